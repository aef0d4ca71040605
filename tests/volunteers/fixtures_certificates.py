"""Fixtures of the certificate tests: service records written straight into the database (the
records family writes those actions), and a URL configuration that serves the certificates
API at /api/v1/volunteers/ until the site's API mounts the volunteers router.

Service of ``served_a1`` (王秀兰, recorded by A1's station):

- 探访独居老人 (for older people living alone): 3 × 4 h = 12 h
- 社区环境清洁 (for all residents): 2.5 h, then corrected by −0.5 h
- 防诈骗宣传 (for older people): 1.5 h
- 义诊咨询 (no activity row): 1 h
- and 3 h recorded by A2's station (not A1's to certify)

so A1's station certifies 16.5 h from 6 service records, and the content names the three
activities with the most hours "and others, 4 activities in all".
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import path
from django.utils import timezone, translation

from linli.volunteers.models import Activity, Organisation, ServiceRecord, Transfer

A1_HOURS = Decimal("16.5")
A1_RECORDS = 6


@pytest.fixture(autouse=True)
def english_messages(settings):
    """These tests read messages in English (the site's default is Chinese)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def days_ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


def make_activity(area, organiser, *, title: str, target_group: str, organisation=None):
    return Activity.objects.create(
        area=area,
        area_code=area.code,
        organisation=organisation,
        title=title,
        description=f"{title}的志愿服务",
        target_group=target_group,
        place="社区党群服务中心",
        leader_name="李队长",
        organiser=organiser,
        status=Activity.Status.FINISHED,
    )


def record(
    volunteer,
    organisation,
    recorder,
    *,
    hours,
    served_on: dt.date,
    name: str = "探访独居老人",
    activity=None,
    corrects=None,
    reason: str = "",
) -> ServiceRecord:
    """One service record (or, with ``corrects``, a correction) as the records family writes
    it."""
    return ServiceRecord.objects.create(
        volunteer=volunteer,
        area_code=organisation.area_code if organisation else volunteer.area_code,
        organisation=organisation,
        activity=activity,
        kind=ServiceRecord.Kind.CORRECTION if corrects else ServiceRecord.Kind.SERVICE,
        corrects=corrects,
        activity_name=name,
        served_on=served_on,
        place="社区党群服务中心",
        beneficiaries="辖区独居老人",
        content=f"{name}：陪伴、打扫、送餐",
        hours=Decimal(str(hours)),
        leader_name="李队长",
        recorder=recorder,
        recorder_name=recorder.full_name,
        reason=reason,
    )


@pytest.fixture
def served_a1(users, tree, org_a1, org_a2, volunteer_a1):
    """volunteer_a1 with the service of the module docstring; returns the volunteer."""
    worker = users["worker_a1"]
    visits = make_activity(
        tree["a1"], worker, title="探访独居老人", target_group="elderly_alone", organisation=org_a1
    )
    cleaning = make_activity(
        tree["a1"], worker, title="社区环境清洁", target_group="all", organisation=org_a1
    )
    fraud = make_activity(
        tree["a1"], worker, title="防诈骗宣传", target_group="elderly", organisation=org_a1
    )
    for days in (40, 30, 20):
        record(volunteer_a1, org_a1, worker, hours=4, served_on=days_ago(days), activity=visits)
    cleaned = record(
        volunteer_a1,
        org_a1,
        worker,
        hours="2.5",
        served_on=days_ago(15),
        name="社区环境清洁",
        activity=cleaning,
    )
    record(
        volunteer_a1,
        org_a1,
        worker,
        hours="-0.5",
        served_on=days_ago(15),
        name="社区环境清洁",
        activity=cleaning,
        corrects=cleaned,
        reason="签退时间有误",
    )
    record(
        volunteer_a1,
        org_a1,
        worker,
        hours="1.5",
        served_on=days_ago(10),
        name="防诈骗宣传",
        activity=fraud,
    )
    record(volunteer_a1, org_a1, worker, hours=1, served_on=days_ago(5), name="义诊咨询")
    record(
        volunteer_a1,
        org_a2,
        users["worker_a2"],
        hours=3,
        served_on=days_ago(8),
        name="新兴社区读书会",
    )
    return volunteer_a1


@pytest.fixture
def station_b1(tree):
    return Organisation.objects.create(
        area=tree["b1"],
        area_code=tree["b1"].code,
        name="东山社区志愿服务站",
        kind=Organisation.Kind.STATION,
    )


def transfer(volunteer, source, target, by) -> Transfer:
    """The volunteer's records handed from ``source`` to ``target`` (as the records family
    does it): ``target`` becomes their organisation."""
    volunteer.organisation = target
    volunteer.save(update_fields=["organisation"])
    return Transfer.objects.create(
        volunteer=volunteer,
        area_code=target.area_code,
        from_organisation=source,
        to_organisation=target,
        hours=Decimal("0"),
        records=0,
        consent_at=timezone.now(),
        by=by,
    )


def make_certificate(volunteer, organisation, *, hours="10", status="valid", **extra):
    """A certificate written straight into the database (for the lists and the checks)."""
    from linli.volunteers.models import Certificate, new_certificate_number

    revoked = (
        {"revoked_at": timezone.now(), "revoke_reason": "记录有误"} if status == "revoked" else {}
    )
    return Certificate.objects.create(
        number=new_certificate_number(timezone.localdate().year),
        volunteer=volunteer,
        organisation=organisation,
        area_code=organisation.area_code,
        holder_name=volunteer.name,
        holder_id_masked="2204**********0021",
        period_to=timezone.localdate(),
        hours=Decimal(hours),
        records=3,
        content="探访独居老人",
        issued_on=timezone.localdate(),
        status=status,
        **{**revoked, **extra},
    )


# --- a URL configuration with the certificates API -----------------------------------------------


def _site_mounts_volunteers() -> bool:
    from linli.api import api

    return any(prefix.strip("/") == "volunteers" for prefix, *_rest in api._routers)


def _patterns():
    import linli.urls

    if _site_mounts_volunteers():
        return list(linli.urls.urlpatterns)
    from ninja import NinjaAPI

    from linli import api as site
    from linli.volunteers.api.certificates import router

    api = NinjaAPI(
        title="Linli API (volunteer certificates under test)",
        version="1-certificates-test",
        auth=site.AUTH,
        urls_namespace="api-volunteer-certificates",
        parser=site.StrictJsonParser(),
        docs_url=None,
    )
    for exception, handler in site.api._exception_handlers.items():
        api.add_exception_handler(exception, handler)
    api.add_router("/volunteers/", router, tags=["volunteers"])
    return [path("api/v1/", api.urls), *linli.urls.urlpatterns]


_built: list = []


def __getattr__(name: str):
    """``urlpatterns``, made when Django first resolves with this module (not on import)."""
    if name != "urlpatterns":
        raise AttributeError(name)
    if not _built:
        _built.append(_patterns())
    return _built[0]


API_URLS = __name__
