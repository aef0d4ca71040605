"""Notice fixtures: the homes and people of tests/registry/conftest.py with accounts, files to
attach, uploads kept in a temporary media folder.

Accounts linked to registry residents (``people``): 李四 (``li``, A1, lives alone: a
special_elderly.living_alone member), 王五 (``wang``, A1, dibao), 张三 (``zhang``, A1) and 赵六
(``zhao``, A2). Their families (刘芳, 张小明) have no account. ``resident_a1`` of
tests/conftest.py holds the resident role on A1 but is linked to no registry resident.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from linli.core.models import RoleAssignment
from linli.core.roles import Role
from linli.registry.models import Resident
from tests.conftest import make_user
from tests.registry.conftest import homes  # noqa: F401


@pytest.fixture
def english(settings):
    """Pages and messages in English, for tests that read them."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def media(settings, tmp_path):
    """Uploaded files go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def people(homes, tree):  # noqa: F811
    """Accounts of registry residents, by the names of ``homes["people"]``."""
    accounts = {}
    for key, area in (("li", "a1"), ("wang", "a1"), ("zhang", "a1"), ("zhao", "a2")):
        user = make_user(f"res_{key}", Role.RESIDENT, tree[area])
        Resident.objects.filter(pk=homes["people"][key].pk).update(account=user)
        accounts[key] = user
    return accounts


def staff(username: str, role: str, area):
    """An account holding ``role`` on ``area``."""
    user = make_user(username)
    RoleAssignment.objects.create(user=user, role=role, area=area, area_code=area.code)
    return user


def pdf(name: str = "通知.pdf", size: int = 0) -> SimpleUploadedFile:
    """A PDF by its first bytes, padded to ``size`` bytes if asked."""
    body = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
    if size:
        body = body + b"0" * max(size - len(body), 0)
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def png(name: str = "map.png") -> SimpleUploadedFile:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (20, 10), (30, 120, 200)).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def docx(name: str = "安排.docx") -> SimpleUploadedFile:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return SimpleUploadedFile(name, out.getvalue(), content_type="application/octet-stream")


def xlsx(name: str = "名单.xlsx") -> SimpleUploadedFile:
    from openpyxl import Workbook

    out = io.BytesIO()
    Workbook().save(out)
    return SimpleUploadedFile(name, out.getvalue(), content_type="application/vnd.ms-excel")


def fake(name: str = "报告.pdf") -> SimpleUploadedFile:
    """Text dressed as a PDF: refused by its content."""
    return SimpleUploadedFile(name, b"<html><script>alert(1)</script></html>", "application/pdf")
