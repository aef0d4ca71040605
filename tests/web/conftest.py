"""Helpers for the site-shell tests: read a page's HTML the way a browser's parser would."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]


@dataclass
class Page:
    elements: list[Element] = field(default_factory=list)
    text: str = ""

    def find_all(self, tag: str, **attrs) -> list[Element]:
        return [
            e
            for e in self.elements
            if e.tag == tag and all(e.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]

    def html_element(self) -> Element:
        return self.find_all("html")[0]

    def hrefs(self) -> set[str]:
        return {e.attrs["href"] or "" for e in self.elements if e.tag == "a" and "href" in e.attrs}


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.page.elements.append(Element(tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        self._text.append(data)

    def close(self):
        super().close()
        self.page.text = " ".join(" ".join(self._text).split())


def parse(content: bytes | str) -> Page:
    collector = _Collector()
    collector.feed(content.decode() if isinstance(content, bytes) else content)
    collector.close()
    return collector.page


@pytest.fixture
def templates_used():
    """Names of the templates a response rendered."""

    def _names(response) -> list[str]:
        return [t.name for t in response.templates if t.name]

    return _names


@pytest.fixture
def english(client):
    """Read pages in English, so text checks hold once the Chinese catalog is filled in."""
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client
