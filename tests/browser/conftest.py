"""Real-browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

The browser is the system's ``chromium`` package (``/usr/bin/chromium``, or the path in
``TENDERLEAF_CHROMIUM``), never a browser build that Playwright downloads itself. When Chromium or
the ``playwright`` package is missing the tests are skipped with a reason that says how to install
them; in CI (``CI=true``) they are required, so a missing browser fails the run instead.

The live server runs in a thread of this process against the transactional test database, so the
tests can read what the browser did straight from the ORM, and ``mail.outbox`` collects its emails.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Long enough for a cold live server on a small CI machine, short enough to fail a hung step.
DEFAULT_TIMEOUT_MS = 15_000
INSTALL_HINT = (
    "install it with `apt-get install -y chromium` (Debian) and `pip install -e '.[dev]'`"
)


def chromium_path() -> str | None:
    configured = os.environ.get("TENDERLEAF_CHROMIUM")
    candidates = [configured] if configured else ["/usr/bin/chromium", shutil.which("chromium")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def browser_unavailable_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return f"BROWSER TESTS SKIPPED: the Python package 'playwright' is missing; {INSTALL_HINT}"
    if chromium_path() is None:
        where = os.environ.get("TENDERLEAF_CHROMIUM") or "/usr/bin/chromium"
        return f"BROWSER TESTS SKIPPED: no Chromium at {where}; {INSTALL_HINT}"
    return None


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


@pytest.fixture
def browser(monkeypatch) -> Iterator:
    """A headless Chromium, started for one test and closed after it."""
    reason = browser_unavailable_reason()
    if reason is not None:
        if _in_ci():
            pytest.fail(reason.replace("SKIPPED", "REQUIRED IN CI") + " (CI=true)", pytrace=False)
        pytest.skip(reason)
    # Playwright's sync API runs an asyncio loop in this thread, which makes Django's ORM guard
    # refuse the test's own database queries; they are ordinary blocking queries, so allow them.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=DEFAULT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def new_browser_page(browser, live_server) -> Callable:
    """Open a page in a fresh browser context (its own cookies), e.g. one per persona."""

    def _open():
        context = browser.new_context(base_url=live_server.url, locale="en-GB")
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        return context.new_page()

    return _open


@pytest.fixture
def browser_page(new_browser_page):
    return new_browser_page()


@pytest.fixture
def portal_login() -> Callable:
    """Sign a vendor user in through the portal's own sign-in form."""

    def _login(page, username: str, password: str) -> None:
        page.goto("/portal/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/portal/login/" not in url)

    return _login


@pytest.fixture
def admin_login() -> Callable:
    """Sign a staff user in through the admin's sign-in form (axes is on: a real password), then
    the one-time code step, typing the code their authenticator app would show now."""
    from django.contrib.auth import get_user_model

    from accounts.testing import totp_code, totp_device_for

    def _login(page, username: str, password: str) -> None:
        device = totp_device_for(get_user_model().objects.get(username=username))
        page.goto("/admin/login/?next=/admin/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(lambda url: "/accounts/verify/" in url)
        page.get_by_label("Code").fill(totp_code(device))
        page.get_by_role("button", name="Verify").click()
        page.wait_for_url(lambda url: "/accounts/" not in url and "/admin/login/" not in url)

    return _login
