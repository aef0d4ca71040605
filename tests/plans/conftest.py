"""Fixtures shared by this app's tests: messages in English."""

from __future__ import annotations

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english(settings):
    """These tests read messages in English (the site's default is Chinese)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
