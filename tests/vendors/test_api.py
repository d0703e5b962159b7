"""The vendors, contracts and KPI API: create, list, retrieve, update; isolation; query counts."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.conftest import client_for
from tests.factories import ContractFactory, VendorFactory, member
from vendors.models import Contract, Role, Vendor

pytestmark = pytest.mark.django_db


def test_vendor_create_list_retrieve_update(api, org):
    payload = {
        "name": "Acme Billing",
        "services": ["billing"],
        "specialties": ["cardiology"],
        "certified_coders": 4,
        "account_manager_name": "Jo",
        "account_manager_response_business_days": "1.00",
        "baa_signed_on": "2026-01-01",
        "baa_expires_on": "2027-12-31",
        "mfa_enforced": True,
    }
    created = api.post("/api/v1/vendors/", payload, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["slug"], body["organization"], body["services"], body["mfa_enforced"]) == (
        "acme-billing",
        "practice-a",
        ["billing"],
        True,
    )
    vendor = Vendor.objects.get(pk=body["id"])
    assert vendor.organization == org and vendor.baa_expires_on == dt.date(2027, 12, 31)

    listed = api.get("/api/v1/vendors/").json()
    assert [v["slug"] for v in listed["results"]] == ["acme-billing"]
    assert api.get(f"/api/v1/vendors/{vendor.pk}/").json()["name"] == "Acme Billing"

    updated = api.patch(
        f"/api/v1/vendors/{vendor.pk}/", {"certified_coders": 9, "services": []}, format="json"
    )
    assert updated.status_code == 400
    assert updated.json() == {
        "services": ["Services must be a non-empty list of ['coding', 'billing']; got []."]
    }
    updated = api.patch(f"/api/v1/vendors/{vendor.pk}/", {"certified_coders": 9}, format="json")
    assert updated.status_code == 200
    vendor.refresh_from_db()
    assert vendor.certified_coders == 9


def test_duplicate_vendor_slug_is_a_400(api, org):
    VendorFactory(organization=org, name="Acme")
    response = api.post("/api/v1/vendors/", {"name": "Acme"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"slug": ["A vendor with slug 'acme' already exists."]}


def test_contract_create_default_terms_and_update(api, org):
    vendor = VendorFactory(organization=org)
    created = api.post(
        "/api/v1/contracts/",
        {
            "vendor": vendor.pk,
            "start_date": "2026-01-01",
            "pricing_model": "percent_of_collections",
            "percent_of_collections": "5.500",
            "monthly_minimum": "1000.00",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["version"] == 1
    assert body["sla_terms"][1] == {
        "kpi": "denial_rate",
        "unit": "percent",
        "direction": "lower",
        "benchmark": "8.0000",
        "warning": "12.0000",
        "weight": "20.00",
        "minimum_volume": 30,
    }
    cid = body["id"]
    updated = api.patch(
        f"/api/v1/contracts/{cid}/",
        {"sla_terms": [{"kpi": "denial_rate", "benchmark": "7", "warning": "10", "weight": "100"}]},
        format="json",
    )
    assert updated.status_code == 200, updated.json()
    assert [(t["kpi"], t["benchmark"]) for t in updated.json()["sla_terms"]] == [
        ("denial_rate", "7.0000")
    ]
    retrieved = api.get(f"/api/v1/contracts/{cid}/").json()
    assert retrieved["sla_terms"] == updated.json()["sla_terms"]


def test_contract_refusals_are_400_with_messages(api, org):
    vendor = VendorFactory(organization=org)
    response = api.post(
        "/api/v1/contracts/",
        {
            "vendor": vendor.pk,
            "start_date": "2026-01-01",
            "pricing_model": "per_claim",
            "fee_per_claim": "4",
            "sla_terms": [
                {
                    "kpi": "net_collection_rate",
                    "benchmark": "95",
                    "warning": "97",
                    "weight": "0",
                }
            ],
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "sla_terms": [
            "net_collection_rate: higher is better, so the warning threshold (97.0000) must not "
            "be above the benchmark (95.0000).",
            "net_collection_rate: the weight must be positive (got 0.00).",
        ]
    }
    unknown = api.post(
        "/api/v1/contracts/",
        {
            "vendor": vendor.pk,
            "start_date": "2026-01-01",
            "pricing_model": "per_claim",
            "fee_per_claim": "4",
            "sla_terms": [{"kpi": "nope", "benchmark": "1", "warning": "1", "weight": "1"}],
        },
        format="json",
    )
    assert unknown.status_code == 400
    assert unknown.json() == {"sla_terms": ["Term 1: kpi 'nope' is not in Practice A's catalog."]}
    assert Contract.objects.count() == 0


def test_contract_amend_endpoint(api, org):
    contract = ContractFactory(vendor=VendorFactory(organization=org))
    response = api.post(
        f"/api/v1/contracts/{contract.pk}/amend/",
        {"effective_date": "2026-03-01", "changes": {"percent_of_collections": "4.750"}},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["version"], response.json()["amends"]) == (2, contract.pk)
    assert response.json()["percent_of_collections"] == "4.750"
    contract.refresh_from_db()
    assert contract.end_date == dt.date(2026, 2, 28)


def test_kpi_list_filter_and_create(api):
    listed = api.get("/api/v1/kpis/?in_default_template=true").json()
    assert [k["code"] for k in listed["results"]] == [
        "first_pass_acceptance_rate",
        "denial_rate",
        "days_in_ar",
        "net_collection_rate",
        "coding_turnaround_hours",
        "resubmission_turnaround_business_days",
    ]
    created = api.post(
        "/api/v1/kpis/",
        {
            "code": "charge_lag_days",
            "name": "Charge lag",
            "unit": "days",
            "direction": "lower",
            "source": "Vendor report",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    duplicate = api.post(
        "/api/v1/kpis/",
        {
            "code": "charge_lag_days",
            "name": "x",
            "unit": "days",
            "direction": "lower",
            "source": "x",
        },
        format="json",
    )
    assert duplicate.status_code == 400
    assert duplicate.json() == {"code": ["A KPI with code 'charge_lag_days' already exists."]}


def test_filters(api, org):
    a = VendorFactory(organization=org, name="Alpha", services=["coding"])
    VendorFactory(organization=org, name="Beta", services=["billing"])
    ContractFactory(vendor=a, pricing_model="flat_monthly", flat_monthly_fee=Decimal(900))
    assert [v["name"] for v in api.get("/api/v1/vendors/?service=coding").json()["results"]] == [
        "Alpha"
    ]
    assert [v["name"] for v in api.get("/api/v1/vendors/?name=bet").json()["results"]] == ["Beta"]
    contracts = api.get("/api/v1/contracts/?pricing_model=flat_monthly").json()["results"]
    assert [c["vendor_slug"] for c in contracts] == ["alpha"]
    assert api.get("/api/v1/contracts/?active_on=2024-06-01").json()["results"] == []


def test_other_organization_is_404_everywhere(api, other_org):
    vendor = VendorFactory(organization=other_org, name="Secret Vendor")
    contract = ContractFactory(vendor=vendor)
    for url in (f"/api/v1/vendors/{vendor.pk}/", f"/api/v1/contracts/{contract.pk}/"):
        assert api.get(url).status_code == 404
        assert api.patch(url, {"notes": "x"}, format="json").status_code == 404
        assert api.put(url, {}, format="json").status_code == 404
    assert api.post(f"/api/v1/contracts/{contract.pk}/amend/", {}).status_code == 404
    assert api.get("/api/v1/vendors/").json()["results"] == []
    assert api.get("/api/v1/contracts/").json()["results"] == []
    # Naming another organization's vendor in a new contract: "does not exist", not 403.
    response = api.post(
        "/api/v1/contracts/",
        {
            "vendor": vendor.pk,
            "start_date": "2026-01-01",
            "pricing_model": "flat_monthly",
            "flat_monthly_fee": "1",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"vendor": [f'Invalid pk "{vendor.pk}" - object does not exist.']}
    vendor.refresh_from_db()
    assert vendor.name == "Secret Vendor" and vendor.contracts.count() == 1


@pytest.mark.parametrize("role", [Role.FINANCE, Role.COMPLIANCE, Role.VIEWER])
def test_only_admins_write(org, role):
    client = client_for(member(org, role))
    vendor = VendorFactory(organization=org)
    contract = ContractFactory(vendor=vendor)
    assert client.get(f"/api/v1/vendors/{vendor.pk}/").status_code == 200
    assert client.post("/api/v1/vendors/", {"name": "New"}, format="json").status_code == 403
    assert (
        client.patch(f"/api/v1/vendors/{vendor.pk}/", {"name": "x"}, format="json").status_code
        == 403
    )
    assert (
        client.patch(f"/api/v1/contracts/{contract.pk}/", {"notes": "x"}, format="json").status_code
        == 403
    )
    body = {"code": "k", "name": "k", "unit": "days", "direction": "lower", "source": "s"}
    assert client.post("/api/v1/kpis/", body, format="json").status_code == 403


def test_anonymous_is_refused():
    assert APIClient().get("/api/v1/vendors/").status_code in (401, 403)


def test_member_of_two_organizations_must_name_one(org, other_org):
    user = member(org, Role.ADMIN)
    member(other_org, Role.ADMIN, user=user)
    client = client_for(user)
    response = client.post("/api/v1/vendors/", {"name": "X"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "organization": ["You belong to several organizations; name one (its slug)."]
    }
    response = client.post(
        "/api/v1/vendors/", {"name": "X", "organization_slug": "practice-b"}, format="json"
    )
    assert response.status_code == 201
    assert Vendor.objects.get(name="X").organization == other_org


def _queries(client: APIClient, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", ["/api/v1/vendors/", "/api/v1/contracts/", "/api/v1/kpis/"])
def test_list_query_count_is_pinned(api, org, url):
    def add_rows() -> None:
        for _ in range(3):
            ContractFactory(vendor=VendorFactory(organization=org))

    add_rows()
    few = _queries(api, url)
    add_rows()
    add_rows()
    assert _queries(api, url) == few
    # token lookup + count + page (+ one prefetch of SLA terms and one of the user's roles, for
    # the money policy, for contracts)
    assert few == {"/api/v1/vendors/": 3, "/api/v1/contracts/": 5, "/api/v1/kpis/": 3}[url]


def test_openapi_schema_and_docs(api, settings):
    # The manifest storage needs collectstatic; the docs page only needs the files to resolve.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    schema = api.get("/api/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    for path in ("/api/v1/vendors/", "/api/v1/contracts/{id}/amend/", "/api/v1/kpis/"):
        assert path in text
    docs = api.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
    assert b"cdn.jsdelivr" not in docs.content  # served from our static files
