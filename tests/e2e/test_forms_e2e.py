"""In Chromium: the contract form shows the chosen pricing model's field only; an SLA term is
edited on its page and saved with its history (#17)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.e2e.conftest import LAPTOP, TABLET, axe_check, shot
from tests.e2e.test_pages_e2e import PASSWORD, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def terms_world(fast_passwords: None) -> Any:
    from tests.factories import ContractFactory, OrganizationFactory, VendorFactory, member
    from vendors.models import Role

    org = OrganizationFactory(name="Practice F", slug="practice-f")
    user = member(org, Role.ADMIN, user__username="forms-admin")
    user.set_password(PASSWORD)
    user.save()
    vendor = VendorFactory(organization=org, name="Northwind Billing")
    return ContractFactory(vendor=vendor, organization=org)


def test_contract_form_and_sla_terms_page(browser: Any, live_server: Any, terms_world: Any) -> None:
    from vendors.models import AuditEvent

    contract = terms_world
    page = sign_in(browser, live_server, "forms-admin", LAPTOP)
    page.goto(f"{live_server.url}/vendors/{contract.vendor_id}/contracts/new/")
    page.get_by_label("Pricing model").select_option("per_claim")
    assert page.get_by_label("Fee per claim").is_visible()
    assert not page.get_by_label("Percent of collections (%)").is_visible()
    assert not page.get_by_label("Flat monthly fee").is_visible()
    axe_check(page)
    shot(page, "p17forms-contract-form")

    term = contract.sla_terms.select_related("kpi").get(kpi__code="days_in_ar")
    page.set_viewport_size(TABLET)
    page.goto(f"{live_server.url}/contracts/{contract.pk}/terms/")
    page.get_by_label(f"Benchmark of {term.kpi.name}").fill("38")
    page.get_by_label(f"Warning threshold of {term.kpi.name}").fill("48")
    axe_check(page)
    shot(page, "p17forms-terms")
    page.get_by_role("button", name="Save terms").click()
    page.wait_for_url(f"{live_server.url}/vendors/{contract.vendor_id}/")
    assert "saved (" in page.locator(".messages, [role=status], .message").first.inner_text()
    term.refresh_from_db()
    assert (term.benchmark, term.warning) == (Decimal("38"), Decimal("48"))
    assert AuditEvent.objects.filter(record_type="sla_term", action="updated").count() == 1
