"""The Russian and Ukrainian catalogues are complete, compiled, and used by the web app.

Refresh the catalogues with scripts/i18n (makemessages + compilemessages).
"""

from __future__ import annotations

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import cxray.web

LOCALE_DIR = Path(cxray.web.__file__).parent / "locale"
LANGUAGES = ["ru", "uk"]
PLACEHOLDER = re.compile(r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]|%%")


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self) -> str:
        """The key GNU gettext uses in the compiled catalogue."""
        return self.msgid if self.msgctxt is None else f"{self.msgctxt}\x04{self.msgid}"


def parse_po(path: Path) -> list[Entry]:
    """A small PO reader: enough for the files xgettext/msgmerge write."""
    entries: list[Entry] = []
    entry: Entry | None = None
    current: str | None = None

    def value(text: str) -> str:
        return ast.literal_eval(text)  # PO string escapes are a subset of Python's

    def append(text: str) -> None:
        assert entry is not None and current is not None
        if current == "msgid":
            entry.msgid += text
        elif current == "msgid_plural":
            entry.msgid_plural = (entry.msgid_plural or "") + text
        elif current == "msgctxt":
            entry.msgctxt = (entry.msgctxt or "") + text
        else:
            index = int(current[7:-1]) if current.startswith("msgstr[") else 0
            entry.msgstr[index] = entry.msgstr.get(index, "") + text

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            entry, current = None, None
            continue
        if entry is None:
            entry = Entry()
            entries.append(entry)
        if line.startswith("#~"):
            entry.obsolete = True
        elif line.startswith("#,"):
            entry.flags.update(f.strip() for f in line[2:].split(",") if f.strip())
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            append(value(line))
        else:
            keyword, _, text = line.partition(" ")
            current = keyword
            if keyword.startswith("msgstr"):
                # Record the form even if empty, so that empty translations are seen.
                index = int(keyword[7:-1]) if keyword.startswith("msgstr[") else 0
                entry.msgstr.setdefault(index, "")
            append(value(text))
    return entries


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / "django.po"


def nplurals(header: str) -> int:
    match = re.search(r"nplurals\s*=\s*(\d+)", header)
    assert match, "the catalogue header has no Plural-Forms"
    return int(match.group(1))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogue_is_complete(lang):
    entries = parse_po(po_path(lang))
    header, messages = entries[0], entries[1:]
    assert header.msgid == ""
    assert f"Language: {lang}\n" in header.msgstr[0]
    forms = nplurals(header.msgstr[0])
    assert messages, "the catalogue is empty"
    problems = []
    for e in entries:
        if "fuzzy" in e.flags:
            problems.append(f"fuzzy: {e.msgid!r}")
    for e in messages:
        if e.obsolete:
            problems.append(f"obsolete: {e.msgid!r}")
            continue
        expected = forms if e.msgid_plural is not None else 1
        if sorted(e.msgstr) != list(range(expected)):
            problems.append(f"wrong number of forms: {e.msgid!r}")
        for n, text in e.msgstr.items():
            if not text.strip():
                problems.append(f"empty msgstr[{n}]: {e.msgid!r}")
            sources = {e.msgid} | ({e.msgid_plural} if e.msgid_plural else set())
            wanted = set().union(*(set(PLACEHOLDER.findall(s)) for s in sources))
            if set(PLACEHOLDER.findall(text)) != wanted:
                problems.append(f"placeholders differ in msgstr[{n}]: {e.msgid!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_compiled_catalogue_matches_po(lang):
    mo = po_path(lang).with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing: run scripts/i18n"
    with mo.open("rb") as fh:
        catalog = gettext.GNUTranslations(fh)._catalog
    expected: dict = {}
    for e in parse_po(po_path(lang))[1:]:
        if e.obsolete:
            continue
        if e.msgid_plural is None:
            expected[e.key] = e.msgstr[0]
        else:
            expected.update({(e.key, n): text for n, text in e.msgstr.items()})
    compiled = {k: v for k, v in catalog.items() if k != ""}
    assert compiled == expected, f"{mo} is stale: run scripts/i18n"


@pytest.mark.django_db
@pytest.mark.parametrize(("lang", "log_in"), [("uk", "Увійти"), ("ru", "Войти"), ("en", "Log in")])
def test_login_page_speaks_the_browser_language(client, lang, log_in):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{lang}">' in html
    assert log_in in html
    if lang != "en":
        assert "Log in" not in html
