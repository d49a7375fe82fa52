"""Playwright on Debian's Chromium against pytest-django's live server.

Playwright's sync API runs an event loop in the test's thread; the test itself still talks
to the database synchronously (factories, assertions), which Django allows only with
DJANGO_ALLOW_ASYNC_UNSAFE.
"""

import os
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from tests import toegankelijkheid  # noqa: E402
from tests.mfa import authenticator_app, code_for  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture(params=[1280, 360], ids=["desktop", "phone"])
def width(request):
    return request.param


@pytest.fixture
def page(browser, live_server, width):
    context = browser.new_context(
        base_url=live_server.url,
        locale="nl-NL",
        timezone_id="Europe/Amsterdam",
        viewport={"width": width, "height": 900},
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: message.type == "error" and errors.append(message.text),
    )
    page.console_errors = errors
    yield page
    context.close()


@pytest.fixture
def check_page(request, width):
    """Screenshot the page into test-artifacts/ and assert no WCAG 2.1 A/AA violations."""
    axe = Axe()
    folder = ARTIFACTS / request.node.originalname
    folder.mkdir(parents=True, exist_ok=True)

    def check(page, name: str):
        page.screenshot(path=folder / f"{name}-{width}.png", full_page=True)
        results = axe.run(
            page,
            options={"runOnly": {"type": "tag", "values": WCAG_21_AA}},
        )
        violations = results.response["violations"]
        toegankelijkheid.record_axe(page.url, width, len(violations))
        report = "\n".join(
            f"{v['id']} ({v['impact']}): {v['help']} at "
            + ", ".join(str(node["target"]) for node in v["nodes"])
            for v in violations
        )
        assert not violations, f"Accessibility violations on {name}:\n{report}"
        # CSP violations and script errors show up in the console.
        assert not [e for e in page.console_errors if "404" not in e], page.console_errors

    return check


def log_in(page, username: str, password: str = "geheim-wachtwoord-123"):
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()


def enter_code(page, user):
    """The second factor that staff pass after their password: the code their app shows."""
    page.get_by_label("Code").fill(code_for(authenticator_app(user)))
    page.get_by_role("button", name="Controleren").click()
