"""The dispute life cycle in Chromium: Acme's vendor user disputes days in A/R on its January
scorecard with a file, compliance answers it, the vendor uploads the corrected report through the
upload page, compliance accepts it, and both see the new revision linked to the dispute."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import LAPTOP, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
CORRECTED = (
    "period,first_pass_acceptance_rate,denial_rate,days_in_ar,net_collection_rate,"
    "coding_turnaround_hours,resubmission_turnaround_business_days,claims_submitted,payments\n"
    "2026-01,96,7,38,97,40,1.5,1000,100000\n"
)


def _sign_in(browser: Any, live_server: Any, username: str) -> Any:
    context = browser.new_context(viewport=LAPTOP, accept_downloads=True)
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    return page


@pytest.fixture
def acme(fast_passwords: None) -> Any:
    from scorecard.services.evaluation import evaluate
    from tests.conftest import reload_kpi_catalog
    from tests.factories import ContractFactory, OrganizationFactory, member
    from tests.scorecard.helpers import report
    from vendors.models import Role

    reload_kpi_catalog()  # a committing test before this one may have flushed it
    org = OrganizationFactory(name="Practice A", slug="practice-a")
    contract = ContractFactory(
        vendor__organization=org,
        vendor__slug="acme",
        vendor__name="Acme",
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 1, 31),
    )
    report(contract.vendor, "2026-01", days_in_ar=Decimal("60"))
    evaluate(vendor_ids=[contract.vendor_id])
    member(org, Role.VENDOR, vendor=contract.vendor, user__username="val")
    member(org, Role.COMPLIANCE, user__username="cora")
    return contract.vendor


def _vendor_opens_the_dispute(vendor: Any, live_server: Any, acme: Any, tmp_path: Path) -> int:
    """Acme's vendor user disputes days in A/R on January's scorecard, with a file; the
    revision disputed."""
    from scorecard.models import Scorecard

    vendor.goto(f"{live_server.url}/vendors/{acme.pk}/")
    # (the contract's creation measured January before its report came: r1 "missing")
    rev = Scorecard.objects.get(vendor=acme, period="2026-01", is_current=True).revision
    vendor.get_by_role("link", name=f"Dispute 2026-01 r{rev}").click()
    vendor.get_by_label("Days in accounts receivable", exact=True).check()
    vendor.get_by_label("Your value for Days in accounts receivable").fill("38")
    vendor.get_by_label("Why, Days in accounts receivable").fill("December backlog counted twice")
    vendor.get_by_label("Reason for the dispute").fill("Our aging export shows 38 days.")
    evidence = tmp_path / "aging-2026-01.csv"
    evidence.write_text("bucket,claims\n0-30,800\n")
    vendor.get_by_label("Files").set_input_files(str(evidence))
    shot(vendor, "dispute-form")
    vendor.get_by_role("button", name="Open the dispute").click()
    vendor.wait_for_url(re.compile(r"/disputes/\d+/$"))
    assert vendor.inner_text("#dispute-status") == "open"
    assert "aging-2026-01.csv" in vendor.inner_text("main")
    assert "December backlog counted twice" in vendor.inner_text("main")
    assert vendor.locator("#answer-form").count() == 0  # the vendor does not decide
    shot(vendor, "dispute-opened")
    return rev


def _compliance_answers(practice: Any, dispute: Any) -> None:
    """Compliance finds the dispute in the list and answers it."""
    practice.get_by_role("link", name="Disputes").click()
    assert "Acme" in practice.inner_text(f"#dispute-{dispute.pk}")
    practice.get_by_role("link", name=f"#{dispute.pk}").click()
    practice.get_by_label("Answer", exact=True).fill("We are checking the aging export.")
    practice.get_by_role("button", name="Answer").click()
    assert practice.inner_text("#dispute-status") == "answered"


def _vendor_uploads_the_correction(vendor: Any, tmp_path: Path) -> None:
    """The corrected report goes through the upload page, as any report does."""
    corrected = tmp_path / "acme-2026-01-corrected.csv"
    corrected.write_text(CORRECTED)
    vendor.get_by_role("link", name="Upload").click()
    vendor.get_by_label("File").set_input_files(str(corrected))
    vendor.get_by_label("Vendor", exact=True).select_option(label="Acme")
    vendor.get_by_role("button", name="Preview").click()
    vendor.get_by_role("button", name="Store this report").click()
    vendor.wait_for_url(re.compile(r"/vendors/\d+/$"))


def _compliance_accepts(practice: Any, acme: Any, rev: int) -> Any:
    """Compliance accepts the dispute, resolved by the corrected report's new revision."""
    from disputes.models import Dispute
    from scorecard.models import Scorecard

    practice.reload()
    practice.get_by_label("Resolved by").select_option("corrected_report")
    practice.get_by_label("Why accept").fill("The corrected aging is right.")
    practice.get_by_role("button", name="Accept").click()
    assert practice.inner_text("#dispute-status") == "accepted"
    new = Scorecard.objects.get(vendor=acme, period="2026-01", is_current=True)
    assert new.revision == rev + 1 and new.kpis.get(kpi_code="days_in_ar").value == 38
    assert Dispute.objects.get().resolved_by == new
    assert practice.inner_text("#resolution") == (
        f"Accepted (corrected report): resolved by revision r{new.revision} of 2026-01 "
        f"(scorecard {new.pk})."
    )
    steps = practice.inner_text("#dispute-steps")
    assert "open → answered · cora" in steps and "answered → accepted · cora" in steps
    shot(practice, "dispute-accepted")
    return new


def test_dispute_answer_correct_accept_in_chromium(
    browser: Any, live_server: Any, acme: Any, tmp_path: Path
) -> None:
    from disputes.models import Dispute

    vendor = _sign_in(browser, live_server, "val")
    rev = _vendor_opens_the_dispute(vendor, live_server, acme, tmp_path)
    dispute = Dispute.objects.get()

    practice = _sign_in(browser, live_server, "cora")
    _compliance_answers(practice, dispute)
    _vendor_uploads_the_correction(vendor, tmp_path)
    new = _compliance_accepts(practice, acme, rev)

    vendor.goto(f"{live_server.url}/vendors/{acme.pk}/")
    cards = vendor.inner_text("#scorecards")
    assert f"Dispute #{dispute.pk} (accepted) → r{new.revision}" in cards
    assert f"Resolves dispute #{dispute.pk}" in cards
    shot(vendor, "dispute-vendor-page")
