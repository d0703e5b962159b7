"""End to end in Chromium under the Content-Security-Policy: no page (nor the API docs) trips a
violation, and htmx still works (its job-status poll swaps in the finished PDF link)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import LAPTOP
from tests.e2e.test_pages_e2e import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PAGES = [
    "/",
    "/vendors/",
    "/compare/",
    "/upload/",
    "/remediation/",
    "/compliance/",
    "/finance/",
    "/manage/",
    "/account/password/",
    "/api/docs/",
]


def test_no_page_violates_the_content_security_policy(
    browser: Any, live_server: Any, demo_world: Any
) -> None:
    from vendors.models import Vendor

    page = sign_in(browser, live_server, "admin", LAPTOP)
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if "Content Security Policy" in message.text
            or "Content-Security-Policy" in message.text
            else None
        ),
    )
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('Content Security Policy violation: ' + e.violatedDirective + ' ' + "
        "e.blockedURI))"
    )
    vendor = Vendor.objects.get(slug="summit-rcm")
    for path in [*PAGES, f"/vendors/{vendor.pk}/"]:
        answer = page.goto(f"{live_server.url}{path}")
        assert answer is not None and answer.status == 200, path
        page.wait_for_load_state("networkidle")
        assert "Content-Security-Policy" in answer.headers or "content-security-policy" in (
            answer.headers
        ), path
        if path == "/api/docs/":  # Swagger UI started under the policy and read the schema
            page.locator(".swagger-ui .info .title").wait_for()
        else:
            assert page.evaluate("typeof window.htmx") == "object", path

    # htmx under the policy: queue a PDF and follow its job until the link appears.
    page.goto(f"{live_server.url}/vendors/{vendor.pk}/")
    page.locator("form[hx-post] button").first.click()
    page.get_by_role("link", name="Download PDF").first.wait_for()
    assert violations == []
