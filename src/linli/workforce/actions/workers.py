"""Keeping the community worker roster (社区工作者): recording and correcting workers, their
leaving, the account linked to a record, their social-work certificates, and revealing a
masked number.

Every write needs ``workforce.manage`` over the worker's community, is one transaction and
writes one audit event naming ids only. The rules a record must keep (checked before writing,
every fault named at once):

- a name, a post and a hire date (not in the future; left on or after it);
- a valid ID number (GB 11643, the registry's own check) and a mainland mobile number, if given;
  the birth date and gender follow from the ID number;
- a committee role only on the post "member of the two committees"; at most one party
  secretary and one director among a community's live workers ("both in one person" counts
  as both), refused with the name of whoever holds the post now;
- one live record per ID number in the whole installation;
- a post level from the ladder that applies to the community.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import actions as core_actions
from linli.core import audit, scoping
from linli.core.areacodes import Level
from linli.core.auth import PHONE_RE, find_user, normalize_phone
from linli.core.cleaning import UNSET, Errors, date, line, normal_code, row_id
from linli.core.errors import ActionError, Conflict, NotFound
from linli.core.models import Area, RoleAssignment
from linli.core.pii import blind_index
from linli.core.roles import Cap
from linli.registry.identity import clean_id_number

from .. import queries
from ..models import Certificate, PostLevel, Worker

NAME_MAX = Worker._meta.get_field("name").max_length
REASON_MAX = Worker._meta.get_field("leave_reason").max_length
NUMBER_MAX = Certificate._meta.get_field("number").max_length
EARLIEST = dt.date(1950, 1, 1)
CERTIFICATES_FROM = dt.date(2000, 1, 1)
WORKING_AGE = 16
REVEALABLE = ("id_number", "phone")


# --- shared checks (the import uses them too) -----------------------------------------------


def today() -> dt.date:
    return timezone.localdate()


def _user_or_none(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def community_for(actor, value, *, field: str = "community_code") -> Area:
    """The community ``value`` names, over which the actor holds ``workforce.manage``. A
    community the actor cannot even read is "not found"."""
    code = normal_code(value)
    area = Area.objects.filter(code=code).first() if code else None
    if area is None or not (
        scoping.has_cap(actor, Cap.WORKFORCE_VIEW, area.code)
        or scoping.has_cap(actor, Cap.WORKFORCE_MANAGE, area.code)
    ):
        raise NotFound(_("No such community among yours."), field=field)
    if area.level != Level.COMMUNITY:
        raise ActionError(_("Choose a community or village."), field=field)
    scoping.require(actor, Cap.WORKFORCE_MANAGE, area.code)
    return area


def clean_phone(errors: Errors, value, *, field: str = "phone") -> str:
    raw = str(value or "").replace("\x00", "").strip()
    if not raw:
        return ""
    phone = normalize_phone(raw)
    if not PHONE_RE.match(phone):
        errors.add(field, _("Enter an 11-digit mainland mobile number starting with 1."))
    return phone


def clean_choice(errors: Errors, field: str, value, choices, message) -> str:
    text = str(value or "").strip()
    if text not in choices:
        errors.add(field, message)
        return ""
    return text


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def check_dates(errors: Errors, *, birth_date, hired_on, left_on) -> None:
    """Birth, hire and leaving dates that can all be true together."""
    now = today()
    if birth_date is not None and not errors.has("birth_date"):
        if birth_date > now:
            errors.add("birth_date", _("This date is in the future."))
        elif birth_date.year < 1900:
            errors.add("birth_date", _("This date is too far in the past."))
    if hired_on is not None and not errors.has("hired_on"):
        if hired_on > now:
            errors.add("hired_on", _("This date is in the future."))
        elif hired_on < EARLIEST:
            errors.add("hired_on", _("This date is too far in the past."))
        elif birth_date is not None and hired_on < _add_years(birth_date, WORKING_AGE):
            errors.add(
                "hired_on",
                _("A worker is hired at %(age)d or older: check the dates.") % {"age": WORKING_AGE},
            )
    if left_on is not None and not errors.has("left_on"):
        if left_on > now:
            errors.add("left_on", _("This date is in the future."))
        elif hired_on is not None and left_on < hired_on:
            errors.add("left_on", _("A worker cannot leave before they were hired."))


def clashing_heads(role: str, holders) -> list[Worker]:
    """Those among ``holders`` who hold a head post that ``role`` would hold too."""
    wanted = {
        Worker.CommitteeRole.SECRETARY: {Worker.CommitteeRole.SECRETARY, Worker.CommitteeRole.BOTH},
        Worker.CommitteeRole.DIRECTOR: {Worker.CommitteeRole.DIRECTOR, Worker.CommitteeRole.BOTH},
        Worker.CommitteeRole.BOTH: set(Worker.HEADS),
    }.get(role, set())
    return [h for h in holders if h.committee_role in wanted]


def head_message(holder: Worker) -> str:
    return _(
        "%(name)s is already the %(role)s of this community: record the change on their "
        "record first."
    ) % {"name": holder.name, "role": holder.get_committee_role_display()}


def live_holder_of(id_number: str, *, exclude_id: int | None = None) -> Worker | None:
    """The live worker record of this ID number, anywhere in the installation."""
    qs = Worker.objects.filter(
        id_number_bidx=blind_index(id_number, "id_number"), left_on__isnull=True
    )
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    return qs.select_related("community").first()


def duplicate_message(actor, other: Worker) -> str:
    """Name the other record only to those who may read it."""
    if scoping.has_cap(actor, Cap.WORKFORCE_VIEW, other.area_code):
        return _(
            "This person is already a worker of %(community)s (record %(id)d): record them "
            "leaving there first."
        ) % {"community": other.community.name, "id": other.pk}
    return _(
        "This person is recorded as a worker elsewhere: their record there must be closed "
        "(left) first."
    )


def level_for(
    errors: Errors,
    community: Area,
    level_id,
    *,
    field: str = "level_id",
    kept: PostLevel | None = None,
):
    """A post level of the ladder that applies to the community, or None. ``kept`` (the level
    on record) stays valid after the ladder that applies has changed."""
    if level_id in (None, ""):
        return None
    pk = row_id(level_id)
    ladder = {step.pk: step for step in queries.ladder_for(community.code)}
    if kept is not None:
        ladder.setdefault(kept.pk, kept)
    if pk is None or pk not in ladder:
        errors.add(field, _("Choose a post level of the ladder that applies to this community."))
        return None
    return ladder[pk]


# --- one worker --------------------------------------------------------------------------------


def _worker(actor, worker_id) -> Worker:
    """A worker the actor may read (else NotFound) and manage (else Forbidden)."""
    pk = row_id(worker_id)
    qs = Worker.objects.select_related("community", "level")
    worker = scoping.scope(qs, actor, Cap.WORKFORCE_VIEW).filter(pk=pk).first() if pk else None
    if worker is None:
        raise NotFound(_("There is no such worker among yours."))
    scoping.require(actor, Cap.WORKFORCE_MANAGE, worker.area_code)
    return worker


def worker_save(
    *,
    actor,
    name,
    post,
    hired_on,
    community_code=None,
    worker_id=None,
    gender="",
    birth_date=None,
    id_number=None,
    phone=None,
    committee_role="",
    level_id=None,
    party_member=False,
    education="",
    social_work_major=False,
    left_on=UNSET,
) -> Worker:
    """Record a worker (``worker_id`` None) or correct one.

    ``id_number`` and ``phone``: None keeps the stored value (a form never shows them in
    full), "" clears it. ``left_on`` left out keeps the stored date. A worker stays in their
    community: someone moving to another community leaves here and is recorded there.
    """
    existing = _worker(actor, worker_id) if worker_id is not None else None
    if existing is None:
        community = community_for(actor, community_code)
    else:
        community = existing.community
        if community_code not in (None, "") and normal_code(community_code) != community.code:
            raise ActionError(
                _(
                    "A worker stays in their community: record them leaving here and add them "
                    "to the new community."
                ),
                field="community_code",
            )
    errors = Errors()
    values = {
        "name": line(errors, "name", name, max_length=NAME_MAX, required=True),
        "gender": clean_choice(
            errors, "gender", gender, Worker.Gender.values, _("Choose a gender from the list.")
        ),
        "birth_date": date(errors, "birth_date", birth_date),
        "post": clean_choice(
            errors, "post", post, Worker.Post.values, _("Choose a post from the list.")
        ),
        "committee_role": clean_choice(
            errors,
            "committee_role",
            committee_role,
            Worker.CommitteeRole.values,
            _("Choose a committee role from the list."),
        ),
        "education": clean_choice(
            errors,
            "education",
            education,
            Worker.Education.values,
            _("Choose an education level from the list."),
        ),
        "party_member": bool(party_member),
        "social_work_major": bool(social_work_major),
        "hired_on": date(errors, "hired_on", hired_on),
        "level": level_for(
            errors, community, level_id, kept=existing.level if existing is not None else None
        ),
    }
    if values["hired_on"] is None and not errors.has("hired_on"):
        errors.add("hired_on", _("Please fill this in."))
    if left_on is UNSET:
        values["left_on"] = existing.left_on if existing is not None else None
    else:
        values["left_on"] = date(errors, "left_on", left_on)
    if values["committee_role"] and values["post"] != Worker.Post.COMMITTEE:
        errors.add(
            "committee_role",
            _("Only members of the two committees hold a committee role."),
        )
    # Personal numbers: None keeps, "" clears.
    if id_number is None:
        number = existing.id_number if existing is not None else None
    else:
        number = None
        if str(id_number).strip():
            try:
                number = clean_id_number(id_number).number
            except ActionError as exc:
                errors.add("id_number", exc.message)
    if phone is None:
        values["phone"] = existing.phone if existing is not None else None
    else:
        values["phone"] = clean_phone(errors, phone) or None
    from_id_number(errors, values, number)
    check_dates(
        errors,
        birth_date=values["birth_date"],
        hired_on=values["hired_on"],
        left_on=values["left_on"],
    )
    errors.raise_if_any(_("The worker was not saved."))
    values["id_number"] = number
    live = values["left_on"] is None
    exclude = existing.pk if existing is not None else None
    if number and live:
        other = live_holder_of(number, exclude_id=exclude)
        if other is not None:
            raise Conflict(duplicate_message(actor, other), field="id_number")
    try:
        with transaction.atomic():
            if live and values["committee_role"] in Worker.HEADS:
                # One head change at a time per community: the community row is the lock.
                Area.objects.select_for_update().filter(code=community.code).first()
                clash = clashing_heads(
                    values["committee_role"],
                    queries.head_holders(community.code, exclude_id=exclude),
                )
                if clash:
                    raise Conflict(head_message(clash[0]), field="committee_role")
            if existing is None:
                worker = Worker(
                    community=community,
                    area_code=community.code,
                    created_by=_user_or_none(actor),
                )
                before = {}
            else:
                worker = Worker.objects.select_for_update().get(pk=existing.pk)
                before = _snapshot(worker)
            for key, value in values.items():
                setattr(worker, key, value)
            worker.updated_at = timezone.now()
            worker.save()
            changed = sorted(k for k, v in _snapshot(worker).items() if before.get(k, v) != v)
            audit.record(
                actor,
                "worker.create" if existing is None else "worker.update",
                worker,
                extra={"fields": changed, "post": worker.post, "live": live},
            )
    except IntegrityError:
        raise Conflict(
            _(
                "This person is recorded as a worker elsewhere: their record there must be closed "
                "(left) first."
            ),
            field="id_number",
        ) from None
    return worker


def from_id_number(errors: Errors, values: dict, number: str | None) -> None:
    """Birth date and gender follow from the ID number; a different one given is an error."""
    if not number or errors.has("id_number"):
        return
    try:
        facts = clean_id_number(number)
    except ActionError:
        return  # a stored number that fails today's rules does not block other corrections
    gender = Worker.Gender.MALE if facts.sex == "M" else Worker.Gender.FEMALE
    if values["birth_date"] not in (None, facts.birth_date) and not errors.has("birth_date"):
        errors.add(
            "birth_date",
            _("The ID number gives %(date)s as the date of birth.")
            % {"date": facts.birth_date.isoformat()},
        )
    if values["gender"] not in ("", gender) and not errors.has("gender"):
        errors.add("gender", _("The gender does not match the ID number."))
    values["birth_date"] = facts.birth_date
    values["gender"] = gender


SNAPSHOT_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "id_number",
    "phone",
    "post",
    "committee_role",
    "level_id",
    "party_member",
    "education",
    "social_work_major",
    "hired_on",
    "left_on",
    "leave_reason",
    "user_id",
)


def _snapshot(worker: Worker) -> dict:
    return {name: getattr(worker, name) or None for name in SNAPSHOT_FIELDS} | {
        "party_member": worker.party_member,
        "social_work_major": worker.social_work_major,
    }


def worker_leave(*, actor, worker_id, reason, left_on=None) -> Worker:
    """Record that a worker left (离职) on ``left_on`` (today when not given), and why. The
    record stays, with their certificates and training."""
    worker = _worker(actor, worker_id)
    if worker.left_on is not None:
        raise Conflict(_("This worker has left already."))
    errors = Errors()
    day = date(errors, "left_on", left_on) or today()
    why = line(errors, "reason", reason, max_length=REASON_MAX, required=True)
    check_dates(errors, birth_date=None, hired_on=worker.hired_on, left_on=day)
    errors.raise_if_any(_("The leaving was not recorded."))
    with transaction.atomic():
        worker = Worker.objects.select_for_update().get(pk=worker.pk)
        if worker.left_on is not None:
            raise Conflict(_("This worker has left already."))
        worker.left_on = day
        worker.leave_reason = why
        worker.updated_at = timezone.now()
        worker.save(update_fields=["left_on", "leave_reason", "updated_at"])
        audit.record(
            actor, "worker.leave", worker, extra={"head": worker.committee_role in Worker.HEADS}
        )
    return worker


def worker_link_account(*, actor, worker_id, login) -> Worker:
    """Link an account (found by username or mobile number) to a worker's record. The account
    must hold a role in the worker's community; an account is linked to one live record."""
    worker = _worker(actor, worker_id)
    text = str(login or "").replace("\x00", "").strip()[:150]
    if not text:
        raise ActionError(_("Enter a username or mobile number."), field="login")
    user = find_user(text)
    if (
        user is None
        or not user.is_active
        or not RoleAssignment.objects.filter(
            user=user, area_code__startswith=worker.area_code
        ).exists()
    ):
        raise NotFound(
            _(
                "No active account with this username or mobile number has a role in this community."
            ),
            field="login",
        )
    other = Worker.objects.filter(user=user, left_on__isnull=True).exclude(pk=worker.pk).first()
    if other is not None:
        raise Conflict(
            _("This account is already linked to the record of %(name)s.") % {"name": other.name},
            field="login",
        )
    with transaction.atomic():
        worker = Worker.objects.select_for_update().get(pk=worker.pk)
        worker.user = user
        worker.updated_at = timezone.now()
        worker.save(update_fields=["user", "updated_at"])
        audit.record(actor, "worker.link_account", worker, extra={"user": user.pk})
    return worker


def worker_unlink_account(*, actor, worker_id) -> Worker:
    """Remove the link between a worker's record and an account (both stay)."""
    worker = _worker(actor, worker_id)
    if worker.user_id is None:
        raise Conflict(_("No account is linked to this record."))
    with transaction.atomic():
        worker = Worker.objects.select_for_update().get(pk=worker.pk)
        previous = worker.user_id
        worker.user = None
        worker.updated_at = timezone.now()
        worker.save(update_fields=["user", "updated_at"])
        audit.record(actor, "worker.unlink_account", worker, extra={"user": previous})
    return worker


def worker_reveal(*, actor, worker_id, field) -> str:
    """A worker's ID number or phone in full, for an actor holding ``pii.reveal`` over their
    community; always audited (``pii.reveal``)."""
    if field not in REVEALABLE:
        raise ActionError(_("This field is not personal data."), field="field")
    worker = queries.worker_get(actor=actor, worker_id=worker_id)
    return core_actions.pii_reveal(actor=actor, instance=worker, field_name=field)


# --- certificates ----------------------------------------------------------------------------


def certificate_add(
    *, actor, worker_id, level, obtained_on, number="", expires_on=None
) -> Certificate:
    """Record a social-work qualification (助理社工师, 社工师, 高级社工师) a worker holds. A
    worker holds each level once."""
    worker = _worker(actor, worker_id)
    errors = Errors()
    level = clean_choice(
        errors, "level", level, Certificate.Level.values, _("Choose a level from the list.")
    )
    number = line(errors, "number", number, max_length=NUMBER_MAX, required=False)
    obtained = date(errors, "obtained_on", obtained_on)
    expires = date(errors, "expires_on", expires_on)
    if obtained is None and not errors.has("obtained_on"):
        errors.add("obtained_on", _("Please fill this in."))
    elif obtained is not None and obtained > today():
        errors.add("obtained_on", _("This date is in the future."))
    elif obtained is not None and obtained < CERTIFICATES_FROM:
        errors.add("obtained_on", _("This date is too far in the past."))
    if expires is not None and obtained is not None and expires < obtained:
        errors.add(
            "expires_on", _("The registration cannot end before the certificate was obtained.")
        )
    errors.raise_if_any(_("The certificate was not recorded."))
    if Certificate.objects.filter(worker=worker, level=level).exists():
        raise Conflict(_("This worker already holds a certificate of this level."), field="level")
    try:
        with transaction.atomic():
            certificate = Certificate.objects.create(
                worker=worker,
                area_code=worker.area_code,
                level=level,
                number=number,
                obtained_on=obtained,
                expires_on=expires,
                created_by=_user_or_none(actor),
            )
            audit.record(
                actor,
                "worker.certificate_add",
                certificate,
                extra={"worker": worker.pk, "level": level},
            )
    except IntegrityError:
        raise Conflict(
            _("This worker already holds a certificate of this level."), field="level"
        ) from None
    return certificate


def certificate_remove(*, actor, certificate_id) -> Worker:
    """Remove a certificate recorded by mistake; returns its worker."""
    pk = row_id(certificate_id)
    certificate = (
        scoping.scope(Certificate.objects.all(), actor, Cap.WORKFORCE_VIEW).filter(pk=pk).first()
        if pk
        else None
    )
    if certificate is None:
        raise NotFound(_("There is no such certificate among yours."))
    worker = _worker(actor, certificate.worker_id)
    with transaction.atomic():
        audit.record(
            actor,
            "worker.certificate_remove",
            certificate,
            extra={"worker": worker.pk, "level": certificate.level},
        )
        certificate.delete()
    return worker


__all__ = [
    "certificate_add",
    "certificate_remove",
    "worker_leave",
    "worker_link_account",
    "worker_reveal",
    "worker_save",
    "worker_unlink_account",
]
