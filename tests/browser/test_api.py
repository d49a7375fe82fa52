"""The open data's pages in a browser: the docs page (Swagger UI from our own static files)
and DRF's browsable page of an endpoint, both under the portal's Content-Security-Policy."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280], indirect=True, ids=["desktop"])
def test_the_docs_page_shows_every_endpoint(page, dvt):
    page.goto("/api/v1/docs/")
    page.locator(".opblock").first.wait_for()
    summaries = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/verbeterafspraken/" in summaries
    assert len(summaries) == 12
    page.locator(".opblock-summary", has_text="/api/v1/trajecten/").first.click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    live = page.locator(".live-responses-table .highlight-code")
    live.wait_for()
    assert dvt.slug in live.inner_text()
    assert page.console_errors == []


@pytest.mark.parametrize("width", [1280], indirect=True, ids=["desktop"])
def test_an_endpoint_is_browsable(page, dvt):
    page.goto("/api/v1/trajecten/")
    assert dvt.slug in page.get_by_label("response info").inner_text()
    assert page.console_errors == []
