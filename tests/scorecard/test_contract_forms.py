"""Contract and SLA-term forms on the pages (#17): the chosen pricing model's field only,
refusals in the user's words, and SLA terms edited through the services with their history."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import ContractFactory, VendorFactory, member
from vendors.models import AuditEvent, Contract, Role, SLATerm

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(org: Any) -> Client:
    client = Client()
    client.force_login(member(org, Role.ADMIN, user__username="terms-admin"))
    return client


@pytest.fixture
def contract(org: Any) -> Contract:
    vendor = VendorFactory(organization=org, name="Northwind Billing")
    return ContractFactory(vendor=vendor, organization=org)


CREATE = {
    "start_date": "2030-01-01",
    "currency": "USD",
    "at_risk_percent": "10",
    "report_due_business_day": "10",
    "cure_period_days": "60",
}


def test_contract_form_groups_each_pricing_models_field_in_its_own_fieldset(
    admin_client: Client, org: Any
) -> None:
    vendor = VendorFactory(organization=org)
    html = admin_client.get(reverse("contract-create", args=[vendor.pk])).content.decode()
    for model in ("percent_of_collections", "per_claim", "flat_monthly"):
        assert f'data-pricing-model="{model}"' in html
    assert "js/pricing-fields" in html


def test_other_models_fields_are_ignored_and_cleared(admin_client: Client, org: Any) -> None:
    vendor = VendorFactory(organization=org)
    response = admin_client.post(
        reverse("contract-create", args=[vendor.pk]),
        {
            **CREATE,
            "pricing_model": "per_claim",
            "fee_per_claim": "4.50",
            "percent_of_collections": "not a number",  # another model's: not read
            "flat_monthly_fee": "900",
        },
    )
    assert response.status_code == 302
    saved = Contract.objects.get(vendor=vendor)
    assert (saved.fee_per_claim, saved.percent_of_collections, saved.flat_monthly_fee) == (
        Decimal("4.50"),
        None,
        None,
    )


def test_amending_to_another_model_leaves_no_old_fee(admin_client: Client, contract: Any) -> None:
    assert contract.percent_of_collections is not None
    response = admin_client.post(
        reverse("contract-amend", args=[contract.pk]),
        {
            **CREATE,
            "start_date": "2030-01-01",
            "pricing_model": "flat_monthly",
            "flat_monthly_fee": "2500.00",
        },
    )
    assert response.status_code == 302
    new = Contract.objects.get(amends=contract)
    assert (new.pricing_model, new.flat_monthly_fee, new.percent_of_collections) == (
        "flat_monthly",
        Decimal("2500.00"),
        None,
    )


def test_missing_fee_is_said_in_words(admin_client: Client, org: Any) -> None:
    vendor = VendorFactory(organization=org)
    response = admin_client.post(
        reverse("contract-create", args=[vendor.pk]), {**CREATE, "pricing_model": "flat_monthly"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "A flat monthly contract needs a flat monthly fee." in html
    assert "flat_monthly_fee." not in html


def _post_terms(client: Client, contract: Contract, **changes: str) -> Any:
    data: dict[str, str] = {}
    for t in contract.sla_terms.all():
        for f in ("benchmark", "warning", "weight", "minimum_volume"):
            data[f"t{t.pk}-{f}"] = str(getattr(t, f))
    data.update(changes)
    return client.post(reverse("contract-terms", args=[contract.pk]), data)


def test_a_term_edited_on_the_page_goes_through_sla_term_update(
    admin_client: Client, contract: Contract
) -> None:
    term = contract.sla_terms.select_related("kpi").get(kpi__code="days_in_ar")
    response = _post_terms(
        admin_client, contract, **{f"t{term.pk}-benchmark": "38", f"t{term.pk}-warning": "48"}
    )
    assert response.status_code == 302
    term.refresh_from_db()
    assert (term.benchmark, term.warning) == (Decimal("38"), Decimal("48"))
    event = AuditEvent.objects.filter(record_type="sla_term", action="updated").get()
    assert event.changes["benchmark"][1] == "38.0000"
    assert term.history.count() == 1  # bulk-created without a history row; this change is one


def test_a_refused_term_is_said_and_nothing_is_stored(
    admin_client: Client, contract: Contract
) -> None:
    terms = list(contract.sla_terms.select_related("kpi"))
    first, dar = terms[0], next(t for t in terms if t.kpi.code == "days_in_ar")
    before = {t.pk: (t.benchmark, t.warning) for t in terms}
    response = _post_terms(
        admin_client,
        contract,
        **{f"t{first.pk}-weight": "7", f"t{dar.pk}-warning": "1"},  # lower is better: refused
    )
    assert response.status_code == 400
    assert "lower is better, so the warning threshold (1) must not be below" in (
        response.content.decode()
    )
    assert {t.pk: (t.benchmark, t.warning) for t in SLATerm.objects.filter(contract=contract)} == (
        before
    )
    assert SLATerm.objects.get(pk=first.pk).weight == first.weight


def test_a_kpi_removed_and_another_added_replace_the_terms_with_history(
    admin_client: Client, contract: Contract
) -> None:
    terms = list(contract.sla_terms.select_related("kpi"))
    gone = terms[0]
    codes = {t.kpi.code for t in terms}
    response = _post_terms(admin_client, contract, **{f"t{gone.pk}-remove": "on"})
    assert response.status_code == 302
    assert set(contract.sla_terms.values_list("kpi__code", flat=True)) == codes - {gone.kpi.code}
    deleted = AuditEvent.objects.filter(record_type="sla_term", action="deleted")
    assert deleted.count() == len(terms)  # contract_update replaces the version's terms
    page = admin_client.get(reverse("contract-terms", args=[contract.pk])).content.decode()
    assert f'<option value="{gone.kpi.code}">' in page
    response = _post_terms(
        admin_client,
        contract,
        **{
            "add-kpi": gone.kpi.code,
            "add-benchmark": str(gone.benchmark),
            "add-warning": str(gone.warning),
            "add-weight": "5",
        },
    )
    assert response.status_code == 302
    assert contract.sla_terms.get(kpi__code=gone.kpi.code).weight == Decimal("5")


def test_the_kpi_added_needs_its_values(admin_client: Client, contract: Contract) -> None:
    gone = contract.sla_terms.select_related("kpi").first()
    assert gone is not None
    _post_terms(admin_client, contract, **{f"t{gone.pk}-remove": "on"})
    response = _post_terms(admin_client, contract, **{"add-kpi": gone.kpi.code})
    assert response.status_code == 400
    assert "The KPI added needs a benchmark." in response.content.decode()
