"""Open311 clients and their keys: systems that post appeals to a county.

Issuing and revoking keys needs ``open311.keys`` (security administrators) over the county.
"""

from __future__ import annotations

import secrets

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from linli.core import audit, scoping
from linli.core.errors import Conflict, NotFound
from linli.core.roles import Cap

from ..models import Open311Client
from ._config import _actor_user, _check_line, _county, _Errors, _row_id

CLIENT_NAME_MAX = Open311Client._meta.get_field("name").max_length
OPEN311_KEY_PREFIX = "o311_"


def open311_client_create(*, actor, name, area_code) -> tuple[Open311Client, str]:
    """Issue a key for an Open311 client posting appeals to a county. The key is returned here
    once and never stored: only its digest and its first characters are kept."""
    county = _county(area_code, field="area_code")
    scoping.require(actor, Cap.OPEN311_KEYS, county.code)
    errors = _Errors()
    name = _check_line(errors, "name", name, max_length=CLIENT_NAME_MAX, required=True)
    if (
        not errors.has("name")
        and Open311Client.objects.filter(area_code=county.code, name=name, active=True).exists()
    ):
        errors.add("name", _("A client of this name already has a key for this county."))
    errors.raise_if_any(_("No key was issued."))
    key = OPEN311_KEY_PREFIX + secrets.token_urlsafe(24)
    try:
        with transaction.atomic():
            client = Open311Client.objects.create(
                name=name,
                area_code=county.code,
                prefix=key[:8],
                digest=Open311Client.digest_of(key),
                created_by=_actor_user(actor),
            )
            audit.record(actor, "appeal.open311_client_create", client, extra={"prefix": key[:8]})
    except IntegrityError:  # a digest collision: astronomically unlikely
        raise Conflict(_("No key was issued: please try again."), field="name") from None
    return client, key


def open311_client_revoke(*, actor, client_id) -> Open311Client:
    """Stop a client's key from working (revoking twice changes nothing)."""
    pk = _row_id(client_id)
    client = Open311Client.objects.filter(pk=pk).first() if pk else None
    if client is None or not scoping.has_cap(actor, Cap.OPEN311_KEYS, client.area_code):
        raise NotFound(_("There is no such client among yours."))
    if not client.active:
        return client
    with transaction.atomic():
        client.active = False
        client.save(update_fields=["active"])
        audit.record(actor, "appeal.open311_client_revoke", client, extra={"prefix": client.prefix})
    return client


__all__ = [
    "open311_client_create",
    "open311_client_revoke",
]
