"""Fixtures of the people family's tests: valid ID numbers, an account opened with an SMS code,
a person of the registry, volunteers registered through the actions, and a town association."""

from __future__ import annotations

import re

import pytest
from django.utils import translation
from stdnum.cn import ric

from linli.core import audit, sms
from linli.core.scoping import SYSTEM
from linli.registry import actions as registry_actions
from linli.volunteers.actions import people as actions
from linli.volunteers.models import Organisation

from .conftest import make_volunteer

__all__ = [
    "API",
    "association_a",
    "code_of",
    "english",
    "join_args",
    "make_id",
    "make_volunteer",
    "registered_b",
    "registry_person",
    "send_code",
    "staff_args",
    "verified_account",
    "volunteers_api",
]

API = "/api/v1/volunteers"


@pytest.fixture(autouse=True)
def english(settings):
    """These tests read messages in English (the site's default is Chinese)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def make_id(birth: str, seq: int = 1, *, female: bool = False, area: str = "220403") -> str:
    """A valid 身份证号 born on ``birth`` (YYYYMMDD); ``seq`` keeps numbers apart."""
    order = seq * 2 % 1000 if female else (seq * 2 + 1) % 1000
    body = f"{area}{birth}{order:03d}"
    return body + ric.calc_check_digit(body + "0")


def code_of(message: str) -> str:
    """The 6-digit code in a text message."""
    return re.search(r"\b(\d{6})\b", message).group(1)


@pytest.fixture
def send_code(django_capture_on_commit_callbacks):
    """``send_code(actor, phone)`` texts a volunteer code and returns it."""

    def _send(actor, phone: str) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            actions.volunteer_code_send(actor=actor, phone=phone)
        sent_to, message = sms.outbox[-1]
        assert sent_to == phone
        return code_of(message)

    return _send


def join_args(**more) -> dict:
    data = {
        "name": "王秀兰",
        "id_number": make_id("19600315", 7, female=True),
        "phone": "13900000001",
        "skills": ["elderly_care", "digital"],
        "languages": ["zh", "dialect"],
        "availability": ["mon_am", "sat_pm"],
        "party_member": True,
        "consent": True,
    }
    data.update(more)
    return data


def staff_args(tree, **more) -> dict:
    data = {
        "community_code": tree["a1"].code,
        "name": "李建国",
        "id_number": make_id("19520101", 3),
        "phone": "13700000003",
        "skills": ["repair"],
        "languages": ["zh"],
        "availability": ["tue_am", "tue_pm"],
        "consent": True,
    }
    data.update(more)
    return data


@pytest.fixture
def verified_account(users):
    """resident_a1's account counts as opened with an SMS code (as core's registration does)."""
    user = users["resident_a1"]
    audit.record(user, "account.register", user, area_code="220403001001")
    return user


@pytest.fixture
def registry_person(tree):
    """A person of A1 in the registry, whose ID number a registration can match."""
    household = registry_actions.household_create(
        actor=SYSTEM,
        community_code=tree["a1"].code,
        residence_type="registered",
        address="仙城路8号",
    )
    return registry_actions.resident_add(
        actor=SYSTEM,
        household_id=household.pk,
        name="王秀兰",
        id_number=make_id("19600315", 7, female=True),
        relationship="head",
    )


@pytest.fixture
def registered_b(users, tree):
    """A volunteer of B1, registered by the town officer of B."""
    return actions.volunteer_register(
        actor=users["town_b"],
        community_code=tree["b1"].code,
        name="赵东山",
        id_number=make_id("19700101", 9),
        phone="13600000009",
        consent=True,
    )


@pytest.fixture
def association_a(users, tree):
    """Town A's volunteer association."""
    return actions.organisation_create(
        actor=users["town_a"],
        area_code=tree["town_a"].code,
        name="仙城街道志愿者协会",
        kind=Organisation.Kind.ASSOCIATION,
    )


# --- the API under /api/v1/volunteers/ ---------------------------------------------------------


def __getattr__(name: str):
    """``urlpatterns`` of this module: the project's, with the volunteers API mounted under
    /api/v1/volunteers/ the way linli.api mounts every app's router (used only while the
    project's API does not mount it yet)."""
    if name != "urlpatterns":
        raise AttributeError(name)
    from django.urls import path
    from ninja import NinjaAPI
    from ninja.errors import AuthenticationError, HttpError, ValidationError

    from linli import api as project_api
    from linli import urls as project_urls
    from linli.core.errors import ActionError
    from linli.volunteers.api import router

    api = NinjaAPI(
        title="Linli API (volunteers, tests)",
        version="1-tests",
        auth=project_api.AUTH,
        urls_namespace="api-volunteers-tests",
        docs_url=None,
        openapi_url=None,
        parser=project_api.StrictJsonParser(),
    )
    api.add_exception_handler(ActionError, project_api._action_error)
    api.add_exception_handler(ValidationError, project_api._validation_error)
    api.add_exception_handler(AuthenticationError, project_api._auth_error)
    api.add_exception_handler(HttpError, project_api._http_error)
    api.add_router("/volunteers/", router)
    patterns = [path("api/v1/", api.urls), *project_urls.urlpatterns]
    globals()["urlpatterns"] = patterns
    return patterns


@pytest.fixture
def volunteers_api(settings) -> str:
    """The address of the volunteers API (mounted for the tests if the project does not yet)."""
    from django.urls import Resolver404, resolve

    try:
        resolve(f"{API}/me")
    except Resolver404:
        settings.ROOT_URLCONF = __name__
    return API
