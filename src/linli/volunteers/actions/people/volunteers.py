"""Volunteers: registration by the person themselves (``volunteer_join``, phone verified) or by
a worker at the window (``volunteer_register``, the paper consent form signed), corrections,
pausing, leaving and returning, withdrawing consent, and revealing a masked number.

Rules kept here (every fault named at once, nothing written on a fault):

- one volunteer record per person in the whole installation (by the ID number's blind index;
  the database refuses a second one too) and one per account;
- adults register themselves; a worker registers anyone from 8 with a guardian's consent;
- a self-registered phone is verified: the account's own number when the account was opened
  with an SMS code, otherwise a code sent to it;
- the volunteer number is the county's code and a serial (220403000042), given under a lock
  on the county's row, so two registrations at once never share one;
- the registry's person of the same ID number in the volunteer's community is linked.

Withdrawing consent (PIPL art. 15, 47) ends the volunteering: the status becomes "left", the
live team memberships end, and the phone number and the preferences (skills, languages, free
times, areas) are erased at once. The name, ID number and service records stay, because the
national rules on volunteer service records require them to be kept and certificates issued
on them to stay verifiable; they are no longer used to contact the person.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from linli.core import areacodes, audit, scoping
from linli.core.auth import find_user
from linli.core.cleaning import UNSET, Errors, line, row_id
from linli.core.errors import ActionError, Conflict, NotFound
from linli.core.models import Area, RoleAssignment
from linli.core.pii import blind_index
from linli.core.roles import Cap

from ...models import Organisation, Volunteer
from ...queries import people as q
from .._common import current_time
from . import _clean as c
from . import phone as verify
from .consent import CONSENT_VERSION

NAME_MAX = Volunteer._meta.get_field("name").max_length
NUMBER_TRIES = 5
PROFILE_FIELDS = ("skills", "languages", "availability", "service_areas", "party_member")
SNAPSHOT_FIELDS = (
    "name",
    "id_number",
    "phone",
    "skills",
    "languages",
    "availability",
    "service_areas",
    "party_member",
    "status",
    "user_id",
    "resident_id",
    "organisation_id",
)


def _snapshot(volunteer: Volunteer) -> dict:
    return {name: getattr(volunteer, name) for name in SNAPSHOT_FIELDS}


def _changed(before: dict, volunteer: Volunteer) -> list[str]:
    after = _snapshot(volunteer)
    return sorted(key for key, value in after.items() if before.get(key) != value)


def _duplicate(actor, holder: Volunteer) -> Conflict:
    """Refuse a second record of one person, naming the first only to those who read it."""
    if scoping.has_cap(actor, Cap.VOLUNTEER_VIEW, holder.area_code):
        message = _(
            "This person is already registered as a volunteer: number %(number)s, %(community)s."
        ) % {"number": holder.number, "community": holder.area.name}
    else:
        message = _("This person is already registered as a volunteer.")
    return Conflict(message, field="id_number", code="registered")


def _holder(number: str, *, exclude: int | None = None) -> Volunteer | None:
    qs = Volunteer.objects.filter(id_number_bidx=blind_index(number, "id_number"))
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    return qs.select_related("area").first()


def _profile(errors: Errors, home: Area, given: dict, current: Volunteer | None = None) -> dict:
    """The preferences among ``given`` (a field left out keeps its value on ``current``)."""
    values: dict = {}
    cleaners = {
        "skills": lambda v: c.skills(errors, v),
        "languages": lambda v: c.languages(errors, v),
        "availability": lambda v: c.availability(errors, v),
        "service_areas": lambda v: c.served_areas(errors, v, home),
        "party_member": c.flag,
    }
    for name, clean in cleaners.items():
        value = given.get(name, UNSET)
        if value is UNSET:
            if current is None:
                value = None
            else:
                continue
        values[name] = clean(value)
    return values


def _station(home: Area) -> Organisation | None:
    return (
        Organisation.objects.filter(
            area_code=home.code, kind=Organisation.Kind.STATION, active=True
        )
        .order_by("id")
        .first()
    )


def organisation_for(errors: Errors, value, home: Area) -> Organisation | None:
    """An active organisation of the community or of an area above it (its town, county…)."""
    if value in (None, ""):
        return None
    pk = row_id(value)
    codes = [home.code, *areacodes.ancestors(home.code)]
    found = (
        Organisation.objects.filter(pk=pk, active=True, area_code__in=codes).first() if pk else None
    )
    if found is None:
        errors.add(
            "organisation_id",
            _("Choose an active organisation of this community or of the areas above it."),
        )
    return found


def _account(errors: Errors, login, home: Area, *, exclude: int | None = None):
    """The active account named by ``login`` that holds a role in the volunteer's community
    and is not linked to another volunteer."""
    text = str(login or "").replace("\x00", "").strip()[:150]
    if not text:
        return None
    user = find_user(text)
    if (
        user is None
        or not user.is_active
        or not RoleAssignment.objects.filter(user=user, area_code__startswith=home.code).exists()
    ):
        errors.add(
            "login",
            _(
                "No active account with this username or mobile number has a role in this community."
            ),
        )
        return None
    other = Volunteer.objects.filter(user=user).exclude(pk=exclude).first()
    if other is not None:
        errors.add("login", _("This account is already linked to another volunteer's record."))
        return None
    return user


def _create(actor, *, home: Area, values: dict, otp_id: int | None) -> Volunteer:
    """Write a new volunteer with the next number of the county (retried if another
    registration took it at the same moment)."""
    bidx = blind_index(values["id_number"], "id_number")
    with transaction.atomic():
        if otp_id is not None:
            verify.code_use(otp_id)
        volunteer = None
        for attempt in range(NUMBER_TRIES):
            try:
                with transaction.atomic():
                    c.lock_county(home)
                    volunteer = Volunteer(
                        area=home, area_code=home.code, number=c.next_number(home), **values
                    )
                    volunteer.save()
                break
            except IntegrityError:
                holder = Volunteer.objects.filter(id_number_bidx=bidx).select_related("area")
                if holder.exists():
                    raise _duplicate(actor, holder.first()) from None
                user = values.get("user")
                if user is not None and Volunteer.objects.filter(user=user).exists():
                    raise Conflict(
                        _("This account is already linked to another volunteer's record."),
                        field="login",
                    ) from None
                if attempt == NUMBER_TRIES - 1:
                    raise Conflict(
                        _("Many people are registering at this moment: please send it again.")
                    ) from None
        assert volunteer is not None
        audit.record(
            actor,
            "volunteer.register",
            volunteer,
            extra={
                "source": volunteer.source,
                "user": volunteer.user_id,
                "resident": volunteer.resident_id,
                "organisation": volunteer.organisation_id,
                "consent_version": volunteer.consent_version,
            },
        )
    return volunteer


# --- registration --------------------------------------------------------------------------------


def volunteer_join(
    *,
    actor,
    name,
    id_number,
    phone,
    code="",
    skills=None,
    languages=None,
    availability=None,
    service_areas=None,
    party_member=False,
    consent=False,
) -> Volunteer:
    """The signed-in resident registers as a volunteer of their home community, agreeing to
    the consent text of :data:`CONSENT_VERSION`. A record a worker made for them earlier (same
    ID number, no account, the same phone now verified) is linked to their account instead."""
    c.require_login(actor)
    home = q.home_community(actor)
    if home is None:
        raise ActionError(
            _(
                "Your account is not linked to a community yet. The service hall of your "
                "community can link it for you."
            ),
            code="no_community",
        )
    if Volunteer.objects.filter(user_id=actor.pk).exists():
        raise Conflict(_("You are already registered as a volunteer."), code="registered")
    errors = Errors()
    name = line(errors, "name", name, max_length=NAME_MAX, required=True)
    facts = c.id_number(errors, id_number, min_age=c.SELF_MIN_AGE)
    phone = c.mobile(errors, phone, required=True)
    needs_code = bool(phone) and not errors.has("phone")
    needs_code = needs_code and not verify.verified_without_code(actor, phone)
    code = verify.clean_code(errors, code) if needs_code else ""
    values = _profile(
        errors,
        home,
        {
            "skills": skills,
            "languages": languages,
            "availability": availability,
            "service_areas": service_areas,
            "party_member": party_member,
        },
    )
    if not c.flag(consent):
        errors.add("consent", _("Tick the box to agree; without it you cannot be registered."))
    errors.raise_if_any(_("You are not registered yet: please correct the fields marked."))
    assert facts is not None
    holder = _holder(facts.number)
    claim = holder is not None and holder.user_id is None and holder.phone == phone
    if holder is not None and not claim:
        raise Conflict(
            _(
                "This ID number is already registered as a volunteer. If it is yours, ask the "
                "service hall of your community to link the record to your account."
            ),
            field="id_number",
            code="registered",
        )
    otp_id = verify.code_check(phone, code) if needs_code else None
    now = current_time()
    if claim:
        return _claim(actor, holder, values, otp_id=otp_id, now=now)
    resident = c.resident_of(facts.number, home.code)
    values.update(
        name=name,
        id_number=facts.number,
        phone=phone,
        phone_verified_at=now,
        user=actor,
        resident=resident,
        organisation=_station(home),
        source=Volunteer.Source.SELF,
        consent_at=now,
        consent_version=CONSENT_VERSION,
        registered_by=actor,
        created_at=now,
        updated_at=now,
    )
    return _create(actor, home=home, values=values, otp_id=otp_id)


def _claim(actor, holder: Volunteer, values: dict, *, otp_id, now) -> Volunteer:
    """Link the record a worker made to the account of the person, who has just shown that the
    phone on it is theirs, and record their own consent."""
    with transaction.atomic():
        if otp_id is not None:
            verify.code_use(otp_id)
        volunteer = Volunteer.objects.select_for_update().get(pk=holder.pk)
        if volunteer.user_id is not None:
            raise Conflict(_("You are already registered as a volunteer."), code="registered")
        for key, value in values.items():
            setattr(volunteer, key, value)
        volunteer.user = actor
        volunteer.phone_verified_at = now
        volunteer.consent_at = now
        volunteer.consent_version = CONSENT_VERSION
        volunteer.updated_at = now
        try:
            with transaction.atomic():
                volunteer.save()
        except IntegrityError:
            raise Conflict(
                _("You are already registered as a volunteer."), code="registered"
            ) from None
        audit.record(
            actor,
            "volunteer.claim",
            volunteer,
            extra={"user": actor.pk, "consent_version": CONSENT_VERSION},
        )
    return volunteer


def volunteer_register(
    *,
    actor,
    community_code,
    name,
    id_number,
    phone="",
    skills=None,
    languages=None,
    availability=None,
    service_areas=None,
    party_member=False,
    consent=False,
    login="",
    organisation_id=None,
) -> Volunteer:
    """A worker registers a volunteer of a community they manage, on the person's behalf:
    the person signed the paper consent form (``consent``); their account may be linked
    (``login``: username or mobile number); the community's station is their organisation
    unless another is chosen."""
    home = c.community(community_code)
    if home is None or not scoping.has_cap(actor, Cap.VOLUNTEER_VIEW, home.code):
        raise NotFound(_("No such community among yours."), field="community_code")
    scoping.require(actor, Cap.VOLUNTEER_MANAGE, home.code)
    errors = Errors()
    name = line(errors, "name", name, max_length=NAME_MAX, required=True)
    facts = c.id_number(errors, id_number, min_age=c.STAFF_MIN_AGE)
    phone = c.mobile(errors, phone)
    values = _profile(
        errors,
        home,
        {
            "skills": skills,
            "languages": languages,
            "availability": availability,
            "service_areas": service_areas,
            "party_member": party_member,
        },
    )
    user = _account(errors, login, home)
    organisation = organisation_for(errors, organisation_id, home)
    if not c.flag(consent):
        errors.add(
            "consent",
            _("Tick to confirm that the person signed the paper consent form."),
        )
    errors.raise_if_any(_("The volunteer was not registered: please correct the fields marked."))
    assert facts is not None
    holder = _holder(facts.number)
    if holder is not None:
        raise _duplicate(actor, holder)
    now = current_time()
    verified = user is not None and verify.verified_without_code(user, phone)
    values.update(
        name=name,
        id_number=facts.number,
        phone=phone or None,
        phone_verified_at=now if verified else None,
        user=user,
        resident=c.resident_of(facts.number, home.code),
        organisation=organisation or _station(home),
        source=Volunteer.Source.STAFF,
        consent_at=now,
        consent_version=CONSENT_VERSION,
        registered_by=c.user_or_none(actor),
        created_at=now,
        updated_at=now,
    )
    return _create(actor, home=home, values=values, otp_id=None)


# --- corrections and preferences -----------------------------------------------------------------


def managed_volunteer(actor, volunteer_id) -> Volunteer:
    """A volunteer the actor reads (else NotFound) and manages (else Forbidden)."""
    volunteer = q.volunteer_get(actor=actor, volunteer_id=volunteer_id)
    scoping.require(actor, Cap.VOLUNTEER_MANAGE, volunteer.area_code)
    return volunteer


def own_record(actor) -> Volunteer:
    c.require_login(actor)
    volunteer = Volunteer.objects.select_related("area", "area__parent").filter(user_id=actor.pk)
    found = volunteer.first()
    if found is None:
        raise NotFound(_("You are not registered as a volunteer."))
    return found


def _save(actor, volunteer: Volunteer, values: dict, *, action: str, otp_id=None) -> Volunteer:
    with transaction.atomic():
        if otp_id is not None:
            verify.code_use(otp_id)
        row = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
        before = _snapshot(row)
        for key, value in values.items():
            setattr(row, key, value)
        row.updated_at = current_time()
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:
            raise Conflict(
                _("This person is already registered as a volunteer."), field="id_number"
            ) from None
        changed = _changed(before, row)
        audit.record(actor, action, row, extra={"fields": changed})
    return row


def volunteer_update_own(
    *,
    actor,
    skills=UNSET,
    languages=UNSET,
    availability=UNSET,
    service_areas=UNSET,
    party_member=UNSET,
    phone=UNSET,
    code="",
) -> Volunteer:
    """A volunteer changes their own preferences; a new phone number is verified (the
    account's verified number, or a code sent to it). Left out: kept."""
    volunteer = own_record(actor)
    if volunteer.status == Volunteer.Status.LEFT:
        raise Conflict(_("You have left volunteering: return first, then change your details."))
    errors = Errors()
    values = _profile(
        errors,
        volunteer.area,
        {
            "skills": skills,
            "languages": languages,
            "availability": availability,
            "service_areas": service_areas,
            "party_member": party_member,
        },
        current=volunteer,
    )
    otp_id = None
    new_phone = ""
    if phone is not UNSET:
        new_phone = c.mobile(errors, phone, required=True)
    needs_code = bool(new_phone) and new_phone != volunteer.phone and not errors.has("phone")
    needs_code = needs_code and not verify.verified_without_code(actor, new_phone, volunteer)
    if needs_code:
        code = verify.clean_code(errors, code)
    errors.raise_if_any(_("Nothing was changed: please correct the fields marked."))
    if new_phone and new_phone != volunteer.phone:
        values.update(phone=new_phone, phone_verified_at=current_time())
    if needs_code:
        otp_id = verify.code_check(new_phone, code)
    return _save(actor, volunteer, values, action="volunteer.update", otp_id=otp_id)


def volunteer_update(
    *,
    actor,
    volunteer_id,
    name=UNSET,
    id_number=UNSET,
    phone=UNSET,
    skills=UNSET,
    languages=UNSET,
    availability=UNSET,
    service_areas=UNSET,
    party_member=UNSET,
    login=UNSET,
) -> Volunteer:
    """A worker corrects a volunteer's record. ``phone`` "" erases it; ``login`` "" unlinks
    the account and a username or mobile number links that account. Left out: kept."""
    volunteer = managed_volunteer(actor, volunteer_id)
    errors = Errors()
    values = _profile(
        errors,
        volunteer.area,
        {
            "skills": skills,
            "languages": languages,
            "availability": availability,
            "service_areas": service_areas,
            "party_member": party_member,
        },
        current=volunteer,
    )
    if name is not UNSET:
        values["name"] = line(errors, "name", name, max_length=NAME_MAX, required=True)
    if id_number is not UNSET:
        facts = c.id_number(errors, id_number, min_age=c.STAFF_MIN_AGE)
        if facts is not None and facts.number != volunteer.id_number:
            values["id_number"] = facts.number
            values["resident"] = c.resident_of(facts.number, volunteer.area_code)
    if phone is not UNSET:
        new_phone = c.mobile(errors, phone)
        if new_phone != (volunteer.phone or ""):
            values["phone"] = new_phone or None
            user = volunteer.user
            verified = user is not None and verify.verified_without_code(user, new_phone)
            values["phone_verified_at"] = current_time() if verified else None
    if login is not UNSET:
        if str(login or "").strip():
            user = _account(errors, login, volunteer.area, exclude=volunteer.pk)
            if user is not None:
                values["user"] = user
        else:
            values["user"] = None
    errors.raise_if_any(_("The volunteer was not saved: please correct the fields marked."))
    if "id_number" in values:
        holder = _holder(values["id_number"], exclude=volunteer.pk)
        if holder is not None:
            raise _duplicate(actor, holder)
    return _save(actor, volunteer, values, action="volunteer.update")


__all__ = [
    "PROFILE_FIELDS",
    "organisation_for",
    "volunteer_join",
    "volunteer_register",
    "volunteer_update",
    "volunteer_update_own",
]
