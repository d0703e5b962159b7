"""End to end in Chromium: sign in, upload and confirm, dashboard, compare, remediation, PDF.

The PDF job runs when the request that queued it commits: tests set CELERY_TASK_ALWAYS_EAGER=1,
so no worker is needed here (tests/scorecard/test_jobs.py covers a real worker).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import LAPTOP, TABLET, axe_check, shot

# The live server reads committed data: these tests commit (and the database is flushed after).
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SAMPLES = Path(__file__).resolve().parent.parent / "vendors" / "samples"
PASSWORD = "scorecard-demo"  # vendors.demo.DEMO_PASSWORD


def sign_in(browser: Any, live_server: Any, username: str, viewport: dict) -> Any:
    """A new browser context signed in as ``username`` through the sign-in page."""
    context = browser.new_context(viewport=viewport, accept_downloads=True)
    # Generous: a loaded CI machine renders PDFs and charts slowly.
    context.set_default_timeout(90_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/")
    assert "/login/" in page.url
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    return page


def test_sign_in_page_looks_right(browser: Any, live_server: Any, demo_world: Any) -> None:
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    # The stylesheet came through WhiteNoise under its hashed name.
    css = page.evaluate("getComputedStyle(document.querySelector('.login-card')).borderRadius")
    assert css == "8px"
    # Keyboard: the username field has focus, Tab reaches the password, then the button.
    assert page.evaluate("document.activeElement.id") == "id_username"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_password"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Sign in"
    shot(page, "login")
    axe_check(page)
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text().startswith("Your username and password")
    context.close()


def _upload_and_confirm(page: Any) -> None:
    """Upload a sample report, see the parsed values, confirm."""
    from scorecard.models import Scorecard
    from vendors.models import Report

    page.get_by_role("link", name="Upload").click()
    page.get_by_label("Vendor", exact=True).select_option(label="Northwind Billing")
    page.get_by_label("File").set_input_files(str(SAMPLES / "northwind-billing_2026-09_wide.csv"))
    page.get_by_role("button", name="Preview").click()
    assert page.get_by_role("heading", name=re.compile("Preview")).is_visible()
    assert page.locator("text=Northwind Billing · 2026-09").is_visible()
    assert Report.objects.filter(vendor__slug="northwind-billing", period="2026-09").count() == 0
    shot(page, "upload-preview")
    page.get_by_role("button", name="Store this report").click()
    page.wait_for_url(re.compile(r"/vendors/\d+/$"))
    assert "stored 1 report(s) for northwind-billing (2026-09)" in page.inner_text(".messages")
    assert Scorecard.objects.filter(vendor__slug="northwind-billing", period="2026-09").exists()


def _upload_a_bad_file(page: Any) -> None:
    """A bad file: every error by row and column, nothing stored."""
    page.get_by_role("link", name="Upload").click()
    page.get_by_label("Vendor", exact=True).select_option(label="Northwind Billing")
    page.get_by_label("File").set_input_files(str(SAMPLES / "bad_report.csv"))
    page.get_by_role("button", name="Preview").click()
    assert page.get_by_role("heading", name=re.compile("cannot be stored")).is_visible()
    assert page.locator(".errors-table tbody tr").count() >= 4
    shot(page, "upload-errors")


def _read_the_dashboard(page: Any) -> None:
    """Dashboard: standings, the status grid with words, open remediation and alerts."""
    page.get_by_role("link", name="Dashboard").click()
    grid = page.locator("table.grid")
    summit = grid.locator("tr", has_text="Summit RCM")
    assert summit.locator(".status-breach").count() >= 1
    assert "breach" in summit.inner_text()
    northwind = grid.locator("tr", has_text="Northwind Billing")
    assert northwind.locator(".status-watch").count() >= 1  # 93.83 % first pass in 2026-09
    assert page.locator("#rem-h + table tbody tr").count() >= 1
    shot(page, "dashboard")


def _read_a_vendor_page(page: Any) -> None:
    """Vendor page: contract, trend charts rendered as PNG, reports, scorecards."""
    page.get_by_role("link", name="Summit RCM").first.click()
    page.wait_for_load_state("networkidle")
    sizes = page.eval_on_selector_all(".charts img", "imgs => imgs.map(i => i.naturalWidth)")
    assert sizes and all(w > 0 for w in sizes)
    shot(page, "vendor")


def _compare_two_vendors(page: Any) -> None:
    """Compare two vendors over a range."""
    page.get_by_role("link", name="Compare").click()
    page.get_by_label("Northwind Billing").check()
    page.get_by_label("Summit RCM").check()
    page.get_by_label("From").fill("2026-03")
    page.get_by_label("To").fill("2026-09")
    page.get_by_role("button", name="Compare").click()
    table = page.locator("table.compare")
    assert table.locator("th", has_text="Effective rate").is_visible()
    assert table.locator("th", has_text="Under Summit RCM's terms").is_visible()
    shot(page, "compare")


def _move_a_remediation_item(page: Any) -> None:
    """Remediation: move an item with a reason and see it in the history."""
    from scorecard.models import RemediationItem

    item = RemediationItem.objects.filter(status="open").order_by("id").first()
    assert item is not None
    page.get_by_role("link", name="Remediation", exact=True).click()
    card = page.locator(f"#item-{item.pk}")
    card.locator("details.move > summary").click()
    card.get_by_label("Move to").select_option("action_plan_received")
    card.get_by_label("Reason").fill("Corrective action plan received 2026-10-05")
    card.get_by_role("button", name="Move").click()
    assert "moved to action plan received" in page.inner_text(".messages")
    card = page.locator(f"#item-{item.pk}")
    card.locator("details.history > summary").click()
    assert "Corrective action plan received 2026-10-05" in card.inner_text()
    item.refresh_from_db()
    assert item.status == "action_plan_received"
    shot(page, "remediation")


def _make_and_download_a_pdf(page: Any, live_server: Any) -> None:
    """PDF: queue, watch the progress, download."""
    from scorecard.models import Job

    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Northwind Billing").first.click()
    row = page.locator("#scorecards tbody tr", has_text="2026-09").first
    row.get_by_role("button", name=re.compile("Make PDF")).click()
    download_link = row.get_by_role("link", name="Download PDF")
    download_link.wait_for(timeout=60_000)
    with page.expect_download() as info:
        download_link.click()
    pdf = Path(info.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    assert info.value.suggested_filename == "scorecard-northwind-billing-2026-09.pdf"
    assert Job.objects.get(scorecard__vendor__slug="northwind-billing", scorecard__period="2026-09")


def _compliance_finance_and_manage(page: Any) -> None:
    """Compliance and finance pages, with an export."""
    page.get_by_role("link", name="Compliance").click()
    assert page.get_by_role("heading", name="SLA adherence by vendor").is_visible()
    shot(page, "compliance")
    page.get_by_role("link", name="Finance").click()
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV").click()
    assert Path(info.value.path()).read_bytes().startswith(b"\xef\xbb\xbfvendor,period")
    shot(page, "finance")
    page.get_by_role("link", name="Manage").click()
    shot(page, "manage")


def test_administrator_journey(browser: Any, live_server: Any, demo_world: Any) -> None:
    page = sign_in(browser, live_server, "admin", LAPTOP)
    _upload_and_confirm(page)
    _upload_a_bad_file(page)
    _read_the_dashboard(page)
    _read_a_vendor_page(page)
    _compare_two_vendors(page)
    _move_a_remediation_item(page)
    _make_and_download_a_pdf(page, live_server)
    _compliance_finance_and_manage(page)
    page.context.close()


def test_viewer_is_refused_the_upload_and_reads_on_a_tablet(
    browser: Any, live_server: Any, demo_world: Any
) -> None:
    page = sign_in(browser, live_server, "viewer", TABLET)
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Upload").count() == 0
    response = page.goto(f"{live_server.url}/upload/")
    assert response is not None and response.status == 403
    assert "does not allow this page" in page.inner_text("main")
    shot(page, "viewer-upload-refused")
    page.goto(f"{live_server.url}/")
    # No horizontal scrolling of the page itself on a tablet (wide tables scroll inside).
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, "dashboard-tablet")
    page.get_by_role("link", name="Remediation", exact=True).click()
    assert page.locator("details.move").count() == 0  # viewers read the board
    shot(page, "remediation-tablet")
    page.context.close()
