"""The group vocabulary: the system administrator extends it and takes groups out of use."""

from __future__ import annotations

import pytest

from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.models import AuditEvent
from linli.registry import actions, queries
from linli.registry.models import GroupTag


def test_only_configuration_holders_read_the_whole_vocabulary(users):
    assert queries.group_tag_vocabulary(actor=users["sysadmin"]).filter(code="dibao").exists()
    for who in ("county", "worker_a1", "auditor"):
        with pytest.raises(Forbidden):
            queries.group_tag_vocabulary(actor=users[who])


def test_out_of_use_groups_take_no_new_members(users, homes):
    actions.group_tag_set_active(actor=users["sysadmin"], code="party_member", active=False)
    assert not GroupTag.objects.get(code="party_member").active
    assert "party_member" not in {t.code for t in queries.visible_tags(users["worker_a1"])}
    with pytest.raises(ActionError):
        actions.resident_tag_add(
            actor=users["worker_a1"],
            resident_id=homes["people"]["zhang"].pk,
            tag_code="party_member",
        )
    event = AuditEvent.objects.get(action="group_tag.set_active")
    assert event.extra == {"active": False}
    # putting it back in use twice writes one event
    actions.group_tag_set_active(actor=users["sysadmin"], code="party_member", active=True)
    actions.group_tag_set_active(actor=users["sysadmin"], code="party_member", active=True)
    assert AuditEvent.objects.filter(action="group_tag.set_active").count() == 2


def test_set_active_refuses_others_and_unknown_codes(users):
    with pytest.raises(Forbidden):
        actions.group_tag_set_active(actor=users["county"], code="dibao", active=False)
    with pytest.raises(NotFound):
        actions.group_tag_set_active(actor=users["sysadmin"], code="nope\x00", active=False)
    assert GroupTag.objects.get(code="dibao").active


def test_page_adds_a_group_and_takes_one_out_of_use(login, users):
    client = login(users["sysadmin"])
    page = client.get("/registry/groups/")
    assert page.status_code == 200 and "dibao" in page.content.decode()
    response = client.post(
        "/registry/groups/",
        {
            "code": "hiv_care",
            "name": "艾滋病关怀对象",
            "sensitive": "on",
            "visible_roles": ["community_head"],
        },
    )
    assert response.status_code == 302
    tag = GroupTag.objects.get(code="hiv_care")
    assert tag.sensitive and tag.visible_roles == ["community_head"] and not tag.builtin
    response = client.post("/registry/groups/use/", {"code": "hiv_care", "active": "0"})
    assert response.status_code == 302 and not GroupTag.objects.get(code="hiv_care").active


def test_page_shows_errors_and_writes_nothing(login, users):
    client = login(users["sysadmin"])
    before = GroupTag.objects.count()
    response = client.post("/registry/groups/", {"code": "bad code!", "name": "x"})
    assert response.status_code == 400 and "has-error" in response.content.decode()
    response = client.post("/registry/groups/", {"code": "quiet", "name": "x", "sensitive": "on"})
    assert response.status_code == 400
    assert GroupTag.objects.count() == before


@pytest.mark.parametrize("who", ["county", "worker_a1", "secadmin"])
def test_page_is_refused_to_others(login, users, who):
    client = login(users[who])
    assert client.get("/registry/groups/").status_code == 403
    assert client.post("/registry/groups/use/", {"code": "dibao", "active": "0"}).status_code == 403
    assert GroupTag.objects.get(code="dibao").active


def test_api_lists_and_toggles_for_configuration_holders(login, users):
    client = login(users["sysadmin"])
    body = client.get("/api/v1/registry/group-vocabulary").json()
    assert body["count"] >= 20 and {"code", "active", "builtin"} <= set(body["items"][0])
    response = client.post(
        "/api/v1/registry/group-vocabulary/veteran/active",
        {"active": False},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["active"] is False
    other = login(users["county"])
    assert other.get("/api/v1/registry/group-vocabulary").status_code == 403
