"""What the workbench's pages share: the staff check and the units offered in pickers."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from linli.core import scoping
from linli.core.roles import Cap

from ... import queries
from ...models import Unit

OFFICE_KINDS = (Unit.Kind.DEPARTMENT, Unit.Kind.PROVIDER)
KIND_ORDER = {
    kind: n for n, kind in enumerate(("grid", "community", "town", "county", *OFFICE_KINDS))
}


def require_staff(request) -> None:
    if not scoping.has_cap(request.user, Cap.STAFF_HOME):
        raise PermissionDenied


def _units_over(actor, cap: str, *, members: bool = False) -> list[Unit]:
    units = queries.unit_choices(actor=actor, cap=cap, members=members)
    return sorted(units, key=lambda u: (KIND_ORDER.get(u.kind, 9), u.area_code, u.name))


def _handoff_units(appeal) -> list[Unit]:
    return queries.handoff_units(appeal.area_code)
