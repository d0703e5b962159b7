"""Scorecards and remediations API: fields, isolation (404), roles (403), pinned query counts,
frozen snapshots and the pricing what-if."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal as D

import pytest

from scorecard.models import RemediationItem, Scorecard
from scorecard.services.evaluation import evaluate
from tests.conftest import client_for
from tests.factories import ContractFactory, member
from tests.scorecard.helpers import report
from vendors import services
from vendors.models import PricingModel, Role

pytestmark = pytest.mark.django_db
JANUARY = dt.date(2026, 1, 1)


@pytest.fixture(autouse=True)
def _today(time_machine):
    """2026-03-20: February 2026's report was due on 13 March; March's is not due yet."""
    time_machine.move_to(dt.datetime(2026, 3, 20, 12, tzinfo=dt.UTC), tick=False)


@pytest.fixture
def acme(org):
    contract = ContractFactory(
        vendor__organization=org, vendor__slug="acme", vendor__name="Acme", start_date=JANUARY
    )
    vendor = contract.vendor
    report(vendor, "2026-01", days_in_ar=D("60"), payments=D("250000"), claims_submitted=4000)
    report(vendor, "2026-02", days_in_ar=D("47.5"), first_pass_acceptance_rate=D("94"))
    evaluate(vendor_ids=[vendor.pk])
    return vendor


@pytest.fixture
def foreign(other_org):
    contract = ContractFactory(
        vendor__organization=other_org,
        vendor__slug="acme",
        start_date=JANUARY,
        end_date=dt.date(2026, 1, 31),
    )
    report(contract.vendor, "2026-01", days_in_ar=D("60"))
    evaluate(vendor_ids=[contract.vendor.pk])
    return contract.vendor


def test_scorecard_fields_with_exact_values(api, acme):
    r = api.get("/api/v1/scorecards/", {"vendor": "acme", "period": "2026-01"})
    assert r.status_code == 200
    [card] = r.json()["results"]
    assert card["vendor"] == "acme"
    assert card["period"] == "2026-01"
    # days_in_ar breached (weight 20, 0 points); every other KPI meets: 8000 / 100 = 80
    assert card["overall_score"] == "80.00"
    assert card["standing"] == "Good"
    assert card["fee"] == "15000.00"  # 6 % of 250,000
    assert card["credit"] == "300.00"  # 15000 x 10 % x 20 %
    assert card["effective_rate"] == "6"
    assert card["cost_per_claim"] == "3.75"
    assert card["report_late"] is False
    assert card["report_due_date"] == "2026-02-13"
    ar = next(k for k in card["kpis"] if k["kpi"] == "days_in_ar")
    assert ar == {
        "kpi": "days_in_ar",
        "name": "Days in accounts receivable",
        "unit": "days",
        "direction": "lower",
        "value": "60",
        "stated_value": "60",
        "recomputed_value": None,
        "status": "breach",
        "points": "0.00",
        "benchmark": "40",
        "warning": "55",
        "weight": "20",
        "previous_value": None,
        "change": None,
        "trailing_3m_average": "60",
        "evidence_value": None,  # no remittance covers the month
        "evaluated_from": "report",
        "at_risk": False,  # one month: no projection
        "projected_breach_period": None,
        "projected_values": None,
    }
    assert card["evidence"] is None
    assert [
        (x["kpi"], x["kind"], x["status"], x["cure_deadline"]) for x in card["remediations"]
    ] == [("days_in_ar", "breach", "open", "2026-04-01")]
    assert card["findings"] == []


def test_change_and_trailing_average_in_the_next_period(api, acme):
    card = api.get("/api/v1/scorecards/", {"vendor": "acme", "period": "2026-02"}).json()[
        "results"
    ][0]
    ar = next(k for k in card["kpis"] if k["kpi"] == "days_in_ar")
    assert (ar["status"], ar["points"], ar["change"], ar["trailing_3m_average"]) == (
        "watch",
        "50.00",  # (55 - 47.5) / 15
        "-12.5",
        "53.75",
    )
    fp = next(k for k in card["kpis"] if k["kpi"] == "first_pass_acceptance_rate")
    assert (fp["status"], fp["points"]) == ("watch", "80.00")  # (94 - 90) / 5
    # (25 x 80 + 20 x 50 + 55 x 100) / 100 = 85
    assert card["overall_score"] == "85.00"


def test_list_is_scoped_and_other_organizations_answer_404(api, acme, foreign):
    r = api.get("/api/v1/scorecards/")
    assert {c["vendor"] for c in r.json()["results"]} == {"acme"}
    assert r.json()["count"] == 2
    foreign_card = Scorecard.objects.get(vendor=foreign)
    assert api.get(f"/api/v1/scorecards/{foreign_card.pk}/").status_code == 404
    assert api.get(f"/api/v1/scorecards/{foreign_card.pk}/what-if/").status_code == 404
    foreign_item = RemediationItem.objects.get(vendor=foreign)
    assert api.get(f"/api/v1/remediations/{foreign_item.pk}/").status_code == 404
    r = api.patch(
        f"/api/v1/remediations/{foreign_item.pk}/",
        {"status": "waived", "reason": "not yours"},
        format="json",
    )
    assert r.status_code == 404
    foreign_item.refresh_from_db()
    assert foreign_item.status == "open"
    assert [i["vendor"] for i in api.get("/api/v1/remediations/").json()["results"]] == ["acme"]


def test_anonymous_is_refused(acme):
    from rest_framework.test import APIClient

    assert APIClient().get("/api/v1/scorecards/").status_code in (401, 403)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.ADMIN, 200),
        (Role.COMPLIANCE, 200),
        (Role.FINANCE, 403),
        (Role.VIEWER, 403),
    ],
)
def test_only_admin_and_compliance_move_remediations(org, acme, role, expected):
    client = client_for(member(org, role))
    item = RemediationItem.objects.get(vendor=acme)
    r = client.patch(
        f"/api/v1/remediations/{item.pk}/",
        {"status": "action_plan_received", "reason": "Plan received by email"},
        format="json",
    )
    assert r.status_code == expected, r.json()
    item.refresh_from_db()
    assert item.status == ("action_plan_received" if expected == 200 else "open")
    assert client.get(f"/api/v1/remediations/{item.pk}/").status_code == 200  # all members read


def test_transition_endpoint_and_refusals(api, acme, admin_user):
    item = RemediationItem.objects.get(vendor=acme)
    r = api.post(f"/api/v1/remediations/{item.pk}/transition/", {"status": "waived"}, format="json")
    assert r.status_code == 400
    assert r.json() == {"reason": ["Waiving needs a reason."]}
    r = api.post(
        f"/api/v1/remediations/{item.pk}/transition/",
        {"status": "closed", "reason": "looks fine"},
        format="json",
    )
    assert r.status_code == 400
    assert "cannot move from open to closed" in r.json()["status"][0]
    r = api.post(
        f"/api/v1/remediations/{item.pk}/transition/",
        {"status": "waived", "reason": "Clearinghouse outage"},
        format="json",
    )
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "waived"
    assert body["events"][-1]["actor"] == admin_user.username
    assert body["events"][-1]["reason"] == "Clearinghouse outage"
    assert RemediationItem.objects.get(pk=item.pk).status == "waived"


def _more_vendors(org, n):
    for i in range(n):
        c = ContractFactory(
            vendor__organization=org,
            vendor__slug=f"v{i}",
            start_date=JANUARY,
            end_date=dt.date(2026, 1, 31),  # one month: one scorecard each
        )
        report(c.vendor, "2026-01", days_in_ar=D("60"))
        evaluate(vendor_ids=[c.vendor.pk])


def test_list_query_counts_are_pinned(api, org, acme, django_assert_num_queries):
    # token user, count, page, KPI rows, the user's roles (once, for the money policy), vendors
    # re-scoring, the page's denial-work measures (one query for the page)
    with django_assert_num_queries(7):
        assert api.get("/api/v1/scorecards/").status_code == 200
    # token user, count, page, events with actors
    with django_assert_num_queries(4):
        assert api.get("/api/v1/remediations/").status_code == 200
    _more_vendors(org, 4)
    with django_assert_num_queries(7):
        assert len(api.get("/api/v1/scorecards/").json()["results"]) == 6
    with django_assert_num_queries(4):
        assert len(api.get("/api/v1/remediations/").json()["results"]) == 5


def test_issued_scorecard_is_byte_for_byte_the_same_after_its_contract_is_edited(
    api, acme, django_capture_on_commit_callbacks
):
    card = Scorecard.objects.get(vendor=acme, period="2026-01")
    before = api.get(f"/api/v1/scorecards/{card.pk}/").content
    stored = (card.inputs_sha256, json.dumps(card.snapshot, sort_keys=True))
    contract = card.contract
    terms = [
        {
            "kpi": t.kpi.code,
            "benchmark": D("45") if t.kpi.code == "days_in_ar" else t.benchmark,
            "warning": D("65") if t.kpi.code == "days_in_ar" else t.warning,
            "weight": t.weight,
        }
        for t in contract.sla_terms.select_related("kpi")
    ]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.contract_update(
            contract=contract,
            sla_terms=terms,
            percent_of_collections=D("7"),
            at_risk_percent=D("15"),
        )
    # Until the re-scoring task has run, the API says so; the revision itself is unchanged.
    pending = api.get(f"/api/v1/scorecards/{card.pk}/").json()
    assert pending["rescoring"] is True
    assert json.loads(before) == {**pending, "rescoring": False}
    for callback in callbacks:
        callback()  # after commit: the task re-issues the periods, no `evaluate` run
    assert api.get(f"/api/v1/scorecards/{card.pk}/").content == before
    card.refresh_from_db()
    assert (card.inputs_sha256, json.dumps(card.snapshot, sort_keys=True)) == stored
    assert evaluate(vendor_ids=[acme.pk]).issued == 0  # nothing was left to do
    new = Scorecard.objects.get(vendor=acme, period="2026-01", is_current=True)
    assert (new.revision, new.pk != card.pk) == (2, True)
    payload = api.get(f"/api/v1/scorecards/{new.pk}/").json()
    ar = next(k for k in payload["kpis"] if k["kpi"] == "days_in_ar")
    assert (ar["benchmark"], ar["warning"], ar["status"]) == ("45", "65", "watch")
    assert payload["fee"] == "17500.00"
    listed = api.get("/api/v1/scorecards/", {"period": "2026-01"}).json()["results"]
    assert [c["id"] for c in listed] == [new.pk]
    revisions = api.get("/api/v1/scorecards/", {"period": "2026-01", "all_revisions": "1"})
    assert [c["revision"] for c in revisions.json()["results"]] == [2, 1]
    json.loads(before)  # still valid JSON, of course


def test_what_if_under_other_contracts_and_given_terms(api, org, acme):
    ContractFactory(
        vendor__organization=org,
        vendor__slug="summit",
        pricing_model=PricingModel.PER_CLAIM,
        percent_of_collections=None,
        fee_per_claim=D("4.50"),
        monthly_maximum=D("16000"),
    )
    card = Scorecard.objects.get(vendor=acme, period="2026-01")
    r = api.get(f"/api/v1/scorecards/{card.pk}/what-if/")
    assert r.status_code == 200
    body = r.json()
    assert (body["payments"], body["claims_submitted"], body["fee"]) == (
        "250000",
        "4000",
        "15000.00",
    )
    [alt] = body["alternatives"]
    # 4000 claims x 4.50 = 18,000, capped at the 16,000 monthly maximum
    assert (alt["vendor"], alt["pricing_model"], alt["fee"]) == ("summit", "per_claim", "16000.00")
    assert (alt["effective_rate"], alt["cost_per_claim"]) == ("6.4", "4")
    r = api.get(
        f"/api/v1/scorecards/{card.pk}/what-if/",
        {"pricing_model": "flat_monthly", "flat_monthly_fee": "18500"},
    )
    assert r.json()["alternatives"][0]["fee"] == "18500.00"
    bad = api.get(f"/api/v1/scorecards/{card.pk}/what-if/", {"pricing_model": "barter"})
    assert bad.status_code == 400
