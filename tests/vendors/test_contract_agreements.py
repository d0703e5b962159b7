"""Any number of contracts per vendor, one in force at a time: each a new agreement (version 1,
its amendments 2, 3, ...), through the services, the API and the pages; overlaps refused with
both date ranges named; agreements numbered for contracts stored before they were."""

import datetime as dt
import importlib
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from tests.factories import ContractFactory, VendorFactory, member
from vendors import services
from vendors.models import Contract, Role

pytestmark = pytest.mark.django_db

NEW = {
    "start_date": "2026-01-01",
    "pricing_model": "per_claim",
    "fee_per_claim": "4.25",
}


def _overlap(dates: str, agreement: int, version: int, theirs: str) -> str:
    return (
        f"These dates ({dates}) overlap contract {agreement} version {version} ({theirs}) of the "
        "same vendor; a vendor has one contract in force at a time: end that contract first, or "
        "amend it."
    )


@pytest.fixture
def vendor(org):
    """A vendor of organization A whose first contract ran through 2025."""
    vendor = VendorFactory(organization=org, name="Acme Billing")
    ContractFactory(vendor=vendor, start_date=dt.date(2025, 1, 1), end_date=dt.date(2025, 12, 31))
    return vendor


# --- Services -----------------------------------------------------------------------------------
def test_new_agreements_count_from_version_one_and_amendments_stay_in_theirs(vendor):
    first = vendor.contracts.get()
    second = ContractFactory(vendor=vendor, start_date=dt.date(2026, 1, 1))
    amended = services.contract_amend(
        contract=second, effective_date=dt.date(2026, 7, 1), percent_of_collections=Decimal(5)
    )
    amended.refresh_from_db()
    amended_first = services.contract_amend(contract=first, effective_date=dt.date(2025, 6, 1))
    rows = list(
        Contract.objects.filter(vendor=vendor)
        .order_by("start_date")
        .values_list("agreement", "version", "start_date", "end_date", "amends")
    )
    assert rows == [
        (1, 1, dt.date(2025, 1, 1), dt.date(2025, 5, 31), None),
        (1, 2, dt.date(2025, 6, 1), dt.date(2025, 12, 31), first.pk),
        (2, 1, dt.date(2026, 1, 1), dt.date(2026, 6, 30), None),
        (2, 2, dt.date(2026, 7, 1), None, second.pk),
    ]
    assert amended_first.agreement == 1
    # A third agreement after the second ends.
    services.contract_update(contract=amended, end_date=dt.date(2026, 12, 31))
    third = ContractFactory(vendor=vendor, start_date=dt.date(2027, 1, 1))
    assert (third.agreement, third.version) == (3, 1)


def test_another_vendor_counts_its_own_agreements(vendor, org):
    other = ContractFactory(vendor=VendorFactory(organization=org))
    assert (other.agreement, other.version) == (1, 1)


def test_an_edit_into_another_contract_dates_is_refused_naming_both(vendor):
    second = ContractFactory(vendor=vendor, start_date=dt.date(2026, 1, 1))
    first = vendor.contracts.get(agreement=1)
    with pytest.raises(ValidationError) as exc:
        services.contract_update(contract=first, end_date=dt.date(2026, 3, 31))
    assert exc.value.message_dict == {
        "start_date": [_overlap("2025-01-01 to 2026-03-31", 2, 1, "2026-01-01 to open-ended")]
    }
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.end_date, second.start_date) == (dt.date(2025, 12, 31), dt.date(2026, 1, 1))


# --- API ----------------------------------------------------------------------------------------
def test_a_second_contract_for_a_vendor_through_the_api(api, vendor):
    response = api.post("/api/v1/contracts/", {"vendor": vendor.pk, **NEW}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["agreement"], body["version"], body["amends"]) == (2, 1, None)
    assert (body["start_date"], body["end_date"], body["fee_per_claim"]) == (
        "2026-01-01",
        None,
        "4.25",
    )
    assert len(body["sla_terms"]) == 6  # the default template
    assert list(
        Contract.objects.filter(vendor=vendor)
        .order_by("start_date")
        .values_list("agreement", "version", "start_date", "pricing_model")
    ) == [
        (1, 1, dt.date(2025, 1, 1), "percent_of_collections"),
        (2, 1, dt.date(2026, 1, 1), "per_claim"),
    ]
    listed = api.get(f"/api/v1/contracts/?vendor={vendor.pk}").json()["results"]
    assert [(c["agreement"], c["version"], c["start_date"]) for c in listed] == [
        (1, 1, "2025-01-01"),
        (2, 1, "2026-01-01"),
    ]
    only = api.get(f"/api/v1/contracts/?vendor={vendor.pk}&agreement=2").json()["results"]
    assert [c["id"] for c in only] == [body["id"]]


def test_an_overlapping_contract_through_the_api_is_400_naming_both_ranges(api, vendor):
    response = api.post(
        "/api/v1/contracts/",
        {"vendor": vendor.pk, **NEW, "start_date": "2025-12-01", "end_date": "2026-11-30"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "start_date": [_overlap("2025-12-01 to 2026-11-30", 1, 1, "2025-01-01 to 2025-12-31")]
    }
    assert Contract.objects.filter(vendor=vendor).count() == 1


def test_an_overlapping_edit_through_the_api_is_400(api, vendor):
    second = api.post("/api/v1/contracts/", {"vendor": vendor.pk, **NEW}, format="json").json()
    first = vendor.contracts.get(agreement=1)
    response = api.patch(
        f"/api/v1/contracts/{first.pk}/", {"end_date": "2026-01-15"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "start_date": [_overlap("2025-01-01 to 2026-01-15", 2, 1, "2026-01-01 to open-ended")]
    }
    first.refresh_from_db()
    assert first.end_date == dt.date(2025, 12, 31)
    # The second agreement's own edit does not clash with itself.
    fine = api.patch(f"/api/v1/contracts/{second['id']}/", {"fee_per_claim": "4.50"}, format="json")
    assert fine.status_code == 200, fine.json()
    assert (fine.json()["agreement"], fine.json()["version"]) == (2, 1)


def test_amending_the_second_agreement_through_the_api(api, vendor):
    second = api.post("/api/v1/contracts/", {"vendor": vendor.pk, **NEW}, format="json").json()
    response = api.post(
        f"/api/v1/contracts/{second['id']}/amend/",
        {"effective_date": "2026-04-01", "changes": {"fee_per_claim": "3.90"}},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["agreement"], body["version"], body["amends"], body["fee_per_claim"]) == (
        2,
        2,
        second["id"],
        "3.90",
    )


# --- Pages --------------------------------------------------------------------------------------
FORM = {
    "start_date": "2026-01-01",
    "currency": "USD",
    "pricing_model": "flat_monthly",
    "flat_monthly_fee": "2500",
    "at_risk_percent": "10",
    "report_due_business_day": "10",
    "cure_period_days": "60",
}


def _admin_client(org):
    client = Client()
    client.force_login(member(org, Role.ADMIN, user__username="page-admin"))
    return client


def test_a_second_contract_through_the_page(org, vendor):
    client = _admin_client(org)
    response = client.post(reverse("contract-create", args=[vendor.pk]), FORM, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain == [(reverse("vendor-detail", args=[vendor.pk]), 302)]
    html = response.content.decode()
    assert "Contract 2 created, in force from 2026-01-01." in html
    assert "Contract 2, version 1</strong> · 2026-01-01 to open-ended · Flat monthly fee" in html
    assert "Contract 1, version 1</strong> · 2025-01-01 to 2025-12-31" in html
    # The newest contract is listed (and opened) first.
    assert html.index("Contract 2, version 1") < html.index("Contract 1, version 1")
    second = vendor.contracts.get(agreement=2)
    assert (second.version, second.flat_monthly_fee, second.sla_terms.count()) == (
        1,
        Decimal("2500.00"),
        6,
    )


def test_an_overlapping_contract_through_the_page_is_refused_on_the_form(org, vendor):
    client = _admin_client(org)
    response = client.post(
        reverse("contract-create", args=[vendor.pk]), {**FORM, "start_date": "2025-06-01"}
    )
    assert response.status_code == 400
    assert (
        _overlap("2025-06-01 to open-ended", 1, 1, "2025-01-01 to 2025-12-31")
        in response.content.decode()
    )
    assert Contract.objects.filter(vendor=vendor).count() == 1


# --- Contracts stored before agreements were numbered -------------------------------------------
def test_the_data_migration_numbers_agreements_along_their_amendments(org):
    # As the old code stored them: versions counted per vendor, every row in agreement 1.
    vendor = VendorFactory(organization=org)
    terms = {"pricing_model": "flat_monthly", "flat_monthly_fee": Decimal(100)}
    v1 = Contract.objects.create(
        organization=org, vendor=vendor, version=1, start_date=dt.date(2024, 1, 1), **terms
    )
    v1.end_date = dt.date(2024, 6, 30)
    v1.save()
    v2 = Contract.objects.create(
        organization=org,
        vendor=vendor,
        version=2,
        amends=v1,
        start_date=dt.date(2024, 7, 1),
        end_date=dt.date(2024, 12, 31),
        **terms,
    )
    v3 = Contract.objects.create(
        organization=org,
        vendor=vendor,
        version=3,
        start_date=dt.date(2025, 1, 1),
        end_date=dt.date(2025, 3, 31),
        **terms,
    )
    v4 = Contract.objects.create(
        organization=org,
        vendor=vendor,
        version=4,
        amends=v3,
        start_date=dt.date(2025, 4, 1),
        **terms,
    )
    lone = Contract.objects.create(
        organization=org,
        vendor=VendorFactory(organization=org),
        version=1,
        start_date=dt.date(2025, 1, 1),
        **terms,
    )
    migration = importlib.import_module("vendors.migrations.0005_contracts_agreement_numbers")
    migration.number_agreements(django_apps, None)
    got = {
        c.pk: (c.agreement, c.version)
        for c in Contract.objects.filter(pk__in=[v1.pk, v2.pk, v3.pk, v4.pk, lone.pk])
    }
    # Agreement numbers by chain; the versions issued scorecards quote are kept.
    assert got == {v1.pk: (1, 1), v2.pk: (1, 2), v3.pk: (2, 3), v4.pk: (2, 4), lone.pk: (1, 1)}
