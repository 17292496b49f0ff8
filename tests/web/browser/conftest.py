"""Browser tests: Playwright drives Debian's chromium against pytest-django's live server.

Nothing is downloaded: the chromium binary comes from apt-get (scripts/test installs it).
Each test gets a fresh page; `login` signs a user in through the real login form.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

CHROMIUM = os.environ.get("CXRAY_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(autouse=True)
def cases_inline(settings):
    """A detractor's case opens in the request's after-commit hook, not in the background
    thread: the in-memory test database's table locks fail a second writer at once."""
    settings.CXRAY_CASES_INLINE = True


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop; Django refuses ORM calls from async contexts.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser, live_server) -> Iterator:
    context = browser.new_context(locale="en-GB", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15_000)
    pg = context.new_page()
    pg.base_url = live_server.url  # type: ignore[attr-defined]
    yield pg
    context.close()


@pytest.fixture
def login(page):
    """Sign in through the real login form: login(username, password, lang="en")."""

    def sign_in(username: str, password: str, *, lang: str = "en") -> None:
        _sign_in(page, username, password, lang=lang)

    return sign_in


def _sign_in(page, username: str, password: str, *, lang: str) -> None:
    page.goto(f"{page.base_url}/accounts/login/?lang={lang}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_load_state()
