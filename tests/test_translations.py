"""The catalogues are complete where they must be, compiled, and keep their placeholders.

Chinese (zh-hans) is the default language and must cover every string of the source; Uyghur
and Tibetan must cover every resident-facing page. The compiled .mo files are committed (a
fresh machine has no msgfmt) and must say exactly what the .po files say.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "linli"
LOCALE = PACKAGE / "locale"

# Files whose text a resident sees (templates and the code that fills them).
RESIDENT_FILES = (
    "web/templates/web/base.html",
    "web/templates/web/landing.html",
    "web/templates/web/home_resident.html",
    "web/templates/400.html",
    "web/templates/403.html",
    "web/templates/404.html",
    "web/templates/500.html",
    "core/templates/core/login.html",
    "core/templates/core/locked_out.html",
    "core/templates/core/accounts/register.html",
    "core/templates/core/accounts/profile.html",
    "core/templates/core/accounts/_field.html",
    "core/templates/core/accounts/_form_errors.html",
    "core/templates/core/notifications.html",
    "core/views/notifications.py",
    "appeals/templates/appeals/resident/submit.html",
    "appeals/templates/appeals/resident/_questions.html",
    "appeals/templates/appeals/resident/_similar.html",
    "appeals/templates/appeals/resident/_clock.html",
    "appeals/templates/appeals/resident/_pagination.html",
    "appeals/templates/appeals/resident/mine.html",
    "appeals/templates/appeals/resident/detail.html",
    "appeals/forms/resident.py",
    "appeals/views/resident.py",
    "notices/templates/notices/notice_mine.html",
    "notices/templates/notices/notice_detail.html",
    "notices/templates/notices/_notice_item.html",
    "notices/templates/notices/_home_notices.html",
    "notices/templates/notices/alert_resident.html",
    "notices/templates/notices/_home_alert.html",
    "facilities/templates/facilities/book.html",
    "facilities/templates/facilities/book_venue.html",
    "facilities/templates/facilities/booking_confirm.html",
    "facilities/templates/facilities/booking_done.html",
    "facilities/templates/facilities/booking_mine.html",
    "facilities/templates/facilities/booking_status.html",
    "facilities/templates/facilities/booking_steps.html",
    "facilities/templates/facilities/_home_booking.html",
    "facilities/forms_bookings.py",
    "facilities/views/bookings.py",
    "volunteers/templates/volunteers/people/_availability.html",
    "volunteers/templates/volunteers/people/_checks.html",
    "volunteers/templates/volunteers/people/_consent.html",
    "volunteers/templates/volunteers/people/_home_block.html",
    "volunteers/templates/volunteers/people/_stars.html",
    "volunteers/templates/volunteers/people/join.html",
    "volunteers/templates/volunteers/people/me.html",
    "volunteers/templates/volunteers/people/me_edit.html",
    "volunteers/templates/volunteers/people/me_withdraw.html",
    "volunteers/templates/volunteers/activities/_signup_status.html",
    "volunteers/templates/volunteers/activities/_status.html",
    "volunteers/templates/volunteers/activities/_when.html",
    "volunteers/templates/volunteers/activities/checkin.html",
    "volunteers/templates/volunteers/activities/detail.html",
    "volunteers/templates/volunteers/activities/list.html",
    "volunteers/templates/volunteers/activities/mine.html",
    "volunteers/templates/volunteers/records/_ledger.html",
    "volunteers/templates/volunteers/records/_stars.html",
    "volunteers/templates/volunteers/records/my_hours.html",
    "volunteers/templates/volunteers/records/my_offer.html",
    "volunteers/templates/volunteers/records/my_transfer.html",
    "volunteers/templates/volunteers/certificates/_facts.html",
    "volunteers/templates/volunteers/certificates/_period.html",
    "volunteers/templates/volunteers/certificates/_stars.html",
    "volunteers/templates/volunteers/certificates/_status.html",
    "volunteers/templates/volunteers/certificates/mine.html",
    "volunteers/templates/volunteers/certificates/verify.html",
    "volunteers/templates/volunteers/certificates/verify_form.html",
    "matching/templates/matching/projects/_home.html",
    "matching/templates/matching/projects/_progress.html",
    "matching/templates/matching/projects/_public_facts.html",
    "matching/templates/matching/projects/_public_milestones.html",
    "matching/templates/matching/projects/public_detail.html",
    "matching/templates/matching/projects/public_list.html",
    "facilities/actions/bookings.py",
    "facilities/hours.py",
    "notices/templates/notices/_alert_buttons.html",
    "notices/templates/notices/_alert_severity.html",
    "notices/models.py",
    "notices/views/notices.py",
    "notices/views/alerts.py",
)

PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")


def catalogue(lang: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / lang / "LC_MESSAGES" / "django.po"))


def translations(po) -> dict[tuple[str, str], tuple[str, ...]]:
    found = {}
    for entry in po:
        if entry.obsolete or "fuzzy" in entry.flags or not entry.msgid:
            continue
        if entry.msgid_plural:
            values = tuple(entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural))
        else:
            values = (entry.msgstr,)
        if all(values):
            found[(entry.msgctxt or "", entry.msgid)] = values
    return found


@pytest.mark.parametrize("lang", ["zh_Hans", "ug", "bo"])
def test_compiled_catalogue_matches_its_source(lang):
    po = catalogue(lang)
    mo = polib.mofile(str(LOCALE / lang / "LC_MESSAGES" / "django.mo"))
    assert translations(mo) == translations(po), f"run `./run messages` to recompile {lang}"


def test_chinese_translates_every_string():
    po = catalogue("zh_Hans")
    missing = [e.msgid for e in po if not e.obsolete and (not e.translated() or e.fuzzy)]
    assert not missing, f"untranslated in zh_Hans: {missing[:10]}"


@pytest.mark.parametrize("lang", ["ug", "bo"])
def test_resident_pages_are_translated(lang):
    chinese = catalogue("zh_Hans")
    done = translations(catalogue(lang))
    needed = {
        (e.msgctxt or "", e.msgid)
        for e in chinese
        if any(path.endswith(RESIDENT_FILES) for path, _line in e.occurrences)
    }
    assert needed, "no resident-facing strings found: is the occurrence path format right?"
    missing = sorted(msgid for key in needed - set(done) for msgid in [key[1]])
    assert not missing, f"resident-facing strings untranslated in {lang}: {missing[:10]}"


@pytest.mark.parametrize("lang", ["zh_Hans", "ug", "bo"])
def test_translations_keep_their_placeholders(lang):
    wrong = []
    for entry in catalogue(lang):
        if not entry.translated():
            continue
        wanted = sorted(PLACEHOLDER.findall(entry.msgid))
        values = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for value in values:
            if "python-format" in entry.flags and sorted(PLACEHOLDER.findall(value)) != wanted:
                wrong.append(entry.msgid)
    assert not wrong, f"placeholders differ in {lang}: {wrong[:10]}"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext (CI installs it)")
def test_catalogue_holds_every_string_of_the_source(tmp_path):
    """Extract afresh from a copy of the source: nothing may be missing from the zh_Hans .po."""
    copy = tmp_path / "linli"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    env = {
        "PATH": "/usr/bin:/bin:/usr/local/bin",
        "LINLI_DEBUG": "1",
        "LINLI_TESTING": "1",
        "DJANGO_SETTINGS_MODULE": "linli.settings",
        "PYTHONPATH": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "zh_Hans", "--no-obsolete"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    fresh = polib.pofile(str(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    missing = [e.msgid for e in fresh if not e.translated()]
    assert not missing, (
        f"strings in the source but not in zh_Hans (run ./run messages): {missing[:10]}"
    )
