"""Smoke: the vendor API creates and lists a vendor with a contract on the default template."""

import pytest

pytestmark = pytest.mark.django_db


def test_create_vendor_and_contract(api):
    r = api.post(
        "/api/v1/vendors/", {"name": "Acme Billing", "services": ["billing"]}, format="json"
    )
    assert r.status_code == 201, r.json()
    vid = r.json()["id"]
    r = api.post(
        "/api/v1/contracts/",
        {
            "vendor": vid,
            "start_date": "2026-01-01",
            "pricing_model": "per_claim",
            "fee_per_claim": "4.50",
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    assert [t["kpi"] for t in r.json()["sla_terms"]] == [
        "first_pass_acceptance_rate",
        "denial_rate",
        "days_in_ar",
        "net_collection_rate",
        "coding_turnaround_hours",
        "resubmission_turnaround_business_days",
    ]
