"""The admin speaks Dutch everywhere: its pages, its help texts and its JavaScript's notes.

Django's Dutch catalogue lags behind its English: strings new in 6.1 come untranslated, and
`locale/nl/` fills them in. These tests notice when an upgrade brings new ones.
"""

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import django
import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.urls import reverse

from tests.test_admin import demo  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

# What Django's admin says in English where its Dutch would be expected, as whole words.
ENGLISH = [
    "Save",
    "Save and add another",
    "Save and continue editing",
    "Add another",
    "Delete",
    "History",
    "Change",
    "View on site",
    "Enter times",
    "Select",
    "Select all",
    "Filter by",
    "Search",
    "Pagination",
    "Logout",
    "Log out",
    "Home",
    "Welcome",
    "Add",
    "Today",
    "Now",
    "Choose",
    "Clear",
    "Currently",
    "Required",
    "Show",
    "Hide",
    "Action",
    "Run the selected action",
    "Go",
    "entries",
    "Are you sure",
    "Forgotten",
    "Recent actions",
    "None available",
]
# Whole English sentences in help texts (Django's, or a library's).
ENGLISH_WORDS = re.compile(r"\b(the|and|you|your|this|which|should|will|whether|must)\b")
ENGLISH_PHRASES = re.compile(r"\b(?:" + "|".join(re.escape(s) for s in ENGLISH) + r")\b")


class VisibleText(HTMLParser):
    """The text a person reads or hears: text outside scripts and styles, and the labels
    that screen readers and tooltips say (aria-label, title, alt, placeholder, a button's
    value)."""

    def __init__(self):
        super().__init__()
        self.parts = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style", "template"}:
            self.skip += 1
        attrs = dict(attrs)
        for name in ("aria-label", "title", "alt", "placeholder"):
            if attrs.get(name):
                self.parts.append(attrs[name])
        if tag == "input" and attrs.get("type") in {"submit", "button"} and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in {"script", "style", "template"}:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip and data.strip():
            self.parts.append(data.strip())


def english_in(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    found = []
    for part in parser.parts:
        found += [f"{m.group()!r} in {part!r}" for m in ENGLISH_PHRASES.finditer(part)]
        found += [f"{m.group()!r} in {part!r}" for m in ENGLISH_WORDS.finditer(part)]
    return found


def admin_pages(model) -> list[str]:
    opts = model._meta
    name = f"admin:{opts.app_label}_{opts.model_name}"
    urls = [reverse(f"{name}_changelist"), reverse(f"{name}_add")]
    # The change page of every model with a row (the demo has nearly all, but reminders).
    obj = model._default_manager.order_by("pk").first()
    return [*urls, reverse(f"{name}_change", args=[obj.pk])] if obj else urls


@pytest.fixture
def lockouts_and_jobs(db):
    """A row for the admin pages of lock-outs, which the demo leaves empty. (A background
    job's page needs the database queue, which tests replace by running jobs at once.)"""
    login = {"ip_address": "192.0.2.1", "user_agent": "Firefox", "path_info": "/accounts/login/"}
    AccessAttempt.objects.create(username="iemand", failures_since_start=3, **login)
    AccessLog.objects.create(username="iemand", **login)
    AccessFailureLog.objects.create(username="iemand", locked_out=True, **login)


def test_every_admin_page_is_in_dutch(client, superuser, demo, lockouts_and_jobs):  # noqa: F811
    client.force_login(superuser)
    found = {}
    urls = [reverse("admin:index"), reverse("admin:password_change")]
    for model in admin.site._registry:
        urls += admin_pages(model)
    for url in urls:
        response = client.get(url, follow=True)
        assert response.status_code in (200, 403), url
        if english := english_in(response.text):
            found[url] = english
    assert found == {}


def _msgids(po: Path) -> list[str]:
    """The keys of a gettext catalogue's messages ("context\x04id" for one with a context),
    read without a library for it."""
    keys, context, parts, field = [], "", [], None
    for line in po.read_text(encoding="utf-8").splitlines() + [""]:
        if line.startswith('"') and field:
            parts.append(json.loads(line))
            continue
        if field == "msgctxt":
            context = "".join(parts)
        elif field == "msgid" and "".join(parts):
            keys.append(f"{context}\x04{''.join(parts)}" if context else "".join(parts))
            context = ""
        field, parts = None, []
        for name in ("msgctxt", "msgid"):
            if line.startswith(f"{name} "):
                field, parts = name, [json.loads(line[len(name) + 1 :])]
    return keys


def test_the_admin_javascript_catalogue_translates_everything(client, superuser):
    """Calendar, clock and the time-zone note ('Enter times in the Europe/Amsterdam
    timezone') are in Dutch: every message of Django's admin JavaScript has a translation."""
    client.force_login(superuser)
    response = client.get(reverse("admin:jsi18n"))
    assert response.status_code == 200
    catalog = json.loads(re.search(r"const newcatalog = (\{.*?\});", response.text, re.S)[1])
    po = Path(django.__file__).parent / "contrib/admin/locale/nl/LC_MESSAGES/djangojs.po"
    missing = [msgid for msgid in _msgids(po) if not catalog.get(msgid)]
    assert missing == []
    assert catalog["Today (%(date)s)"] == "Vandaag (%(date)s)"
    ahead = catalog[
        "Note: Enter times in the %(timezone)s timezone. (You are %(offset)s hour ahead.)"
    ]
    assert ahead[0].startswith("Let op: vul tijden in volgens de tijdzone %(timezone)s.")
