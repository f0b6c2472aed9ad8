"""What a person reads on a rendered page, and the raw numbers left in it.

``assert_readable(html)`` fails when the visible text (tags, attribute values, scripts and
styles stripped) still holds a long ungrouped digit run such as ``4180000`` or
``48000000.00``: an amount or an emission rendered as a raw Decimal. Identifiers that are not
quantities are removed first, explicitly: URLs and paths, hashes, UUIDs, dates and times, years,
``#id`` references, standards (ISO 14001) and reference codes such as ``C-0042``.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Five or more digits in a row, not the decimals of a grouped number ("0.123456").
RAW_NUMBER = re.compile(r"(?<![.,])\b\d{5,}(?:\.\d+)?\b")

# A missing value printed with a unit after it, as "— tCO2e" was.
MISSING_WITH_UNIT = re.compile(r"(?:\u2014|\u2013|None)\s*(?:tCO2e|kgCO2e|%)")  # em, en dash

# Not amounts nor emissions, so removed before looking for raw numbers.
IGNORED = (
    re.compile(r"https?://\S+"),  # URLs
    re.compile(r"(?<![\w.])/[\w./?=&%-]*"),  # paths and query strings
    re.compile(r"\b(?=[0-9a-f]*[a-f])[0-9a-f]{12,}\b"),  # hashes (sha256, digests)
    re.compile(r"\b[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}\b"),  # UUIDs (PACT ids)
    re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?"),  # ISO dates and times
    re.compile(r"\b(?:FY)?(?:19|20)\d{2}\b"),  # years
    re.compile(r"#\d+"),  # ids: "run #12", "Disclosure #7"
    re.compile(r"\b(?:ISO|ISAE|IEC)[ -]?\d+(?:-\d+)*"),  # standards: ISO 14001, ISAE 3410
    re.compile(r"\b[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+\b"),  # reference codes: C-0042, ACME-CERT-7
)

_HIDDEN = {"script", "style", "template", "noscript"}


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in _HIDDEN:
            self._hidden += 1

    def handle_endtag(self, tag):
        if tag in _HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str | bytes) -> str:
    """The text of ``html`` as a reader sees it, whitespace collapsed to single spaces."""
    if isinstance(html, bytes):
        html = html.decode()
    parser = _Text()
    parser.feed(html)
    parser.close()
    return re.sub(r"\s+", " ", " ".join(parser.parts)).strip()


def raw_numbers(text: str) -> list[str]:
    """Long ungrouped digit runs left in ``text`` once identifiers are removed."""
    for pattern in IGNORED:
        text = pattern.sub(" ", text)
    return [match.group(0) for match in RAW_NUMBER.finditer(text)]


def assert_readable(html: str | bytes, *, shows: tuple[str, ...] = ()) -> str:
    """Fail on a raw number or a missing value with a unit; check that ``shows`` (amounts with
    their currency code, emissions with their unit) are on the page. Returns the visible text."""
    text = visible_text(html)
    raw = raw_numbers(text)
    assert not raw, f"raw numbers a person cannot read: {raw}"
    missing = MISSING_WITH_UNIT.findall(text)
    assert not missing, f"missing values printed with a unit: {missing}"
    for expected in shows:
        assert expected in text, f"{expected!r} is not on the page"
    return text
