"""What the people pages share: who may open the staff pages, the preferences of a form as an
action's arguments, and form data kept when a page is shown again."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from linli.core import scoping
from linli.core.areacodes import Level
from linli.core.errors import ActionError
from linli.core.roles import Cap
from linli.registry.models import Resident

from ...forms.people import availability_choices
from ...models import Skill
from ...queries import people as q


def require_view(request) -> None:
    """The staff pages are for those who hold ``volunteer.view`` somewhere."""
    if not scoping.has_cap(request.user, Cap.VOLUNTEER_VIEW):
        raise PermissionDenied


def can_manage_any(actor) -> bool:
    return scoping.has_cap(actor, Cap.VOLUNTEER_MANAGE)


def served(home, serve_town: bool) -> list[str]:
    """The areas served: the community, and its town when ticked."""
    codes = [home.code]
    if serve_town and home.parent is not None and home.parent.level == Level.TOWN:
        codes.append(home.parent_id)
    return codes


def preferences(data: dict, home) -> dict:
    """The preference arguments of an action from a form's cleaned data."""
    return {
        "skills": data.get("skills") or [],
        "languages": data.get("languages") or [],
        "availability": data.get("availability") or [],
        "service_areas": served(home, bool(data.get("serve_town"))),
        "party_member": bool(data.get("party_member")),
    }


def preference_initial(volunteer) -> dict:
    return {
        "skills": list(volunteer.skills or []),
        "languages": list(volunteer.languages or []),
        "availability": list(volunteer.availability or []),
        "serve_town": len(volunteer.service_areas or []) > 1,
        "party_member": volunteer.party_member,
    }


def labels_of(volunteer) -> dict:
    """The volunteer's skills, languages and free times in words."""
    skills = dict(Skill.choices)
    languages = dict(Resident.Language.choices)
    times = dict(availability_choices())
    return {
        "skill_names": [skills[c] for c in volunteer.skills or [] if c in skills],
        "language_names": [languages[c] for c in volunteer.languages or [] if c in languages],
        "free_times": [times[c] for c in volunteer.availability or [] if c in times],
    }


def kept_data(post, form_class) -> dict:
    """What was posted, as the initial values of a fresh (unbound) form: a page shown again
    after a code was sent keeps what was typed without marking fields as missing."""
    initial = {}
    for name, field in form_class.base_fields.items():
        if name not in post:
            continue
        if hasattr(field, "choices") and getattr(field.widget, "allow_multiple_selected", False):
            initial[name] = post.getlist(name)
        else:
            initial[name] = post.get(name, "")
    return initial


def messages_of(exc: ActionError) -> list[str]:
    found = [str(m) for group in (exc.errors or {}).values() for m in group]
    return found or [str(exc.message)]


def next_url(request, default: str) -> str:
    target = str(request.POST.get("next", ""))[:500]
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def volunteer_url(volunteer) -> str:
    return reverse("volunteers:volunteer", kwargs={"volunteer_id": volunteer.pk})


def team_url(team) -> str:
    return reverse("volunteers:team", kwargs={"team_id": team.pk})


__all__ = [
    "can_manage_any",
    "kept_data",
    "labels_of",
    "messages_of",
    "next_url",
    "preference_initial",
    "preferences",
    "q",
    "require_view",
    "served",
    "team_url",
    "volunteer_url",
]
