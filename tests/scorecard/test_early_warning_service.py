"""Early warning over stored scorecards: the flag and projection on the KPI rows, and one
notification per KPI and episode."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from scorecard.models import InAppNotification, Notification, ScorecardKPI
from scorecard.services.evaluation import evaluate
from tests.factories import ContractFactory, member
from tests.scorecard.helpers import after_due, report
from vendors.models import Role

pytestmark = pytest.mark.django_db
FPAR = "first_pass_acceptance_rate"  # higher is better; benchmark 95, warning 90


@pytest.fixture
def contract(org):
    return ContractFactory(
        vendor__organization=org,
        vendor__slug="acme",
        vendor__name="Acme",
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 6, 30),
    )


def _row(period: str) -> ScorecardKPI:
    return ScorecardKPI.objects.get(
        scorecard__period=period, scorecard__is_current=True, kpi_code=FPAR
    )


def test_rows_carry_projection_and_flag_and_one_notification(org, contract, mailoutbox):
    member(org, Role.ADMIN, user__email="boss@example.test")
    for period, value in zip(
        ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"],
        ["100", "98", "96", "94", "92", "90"],
        strict=True,
    ):
        report(contract.vendor, period, **{FPAR: D(value)})
    evaluate(today=after_due("2026-06"))
    got = {
        p: (r.status, r.at_risk, r.projected_breach_period, r.projection)
        for p in ["2026-03", "2026-04", "2026-06"]
        for r in [_row(p)]
    }
    assert got == {
        "2026-03": ("meets", False, "", None),  # three values: no projection
        "2026-04": (  # 100 98 96 94: 92, 90, 88 (< 90 in July)
            "watch",
            True,
            "2026-07",
            [
                {"period": "2026-05", "value": "92.0000"},
                {"period": "2026-06", "value": "90.0000"},
                {"period": "2026-07", "value": "88.0000"},
            ],
        ),
        "2026-06": (
            "watch",  # 90 is not strictly worse than the warning 90
            True,
            "2026-07",
            [
                {"period": "2026-07", "value": "88.0000"},
                {"period": "2026-08", "value": "86.0000"},
                {"period": "2026-09", "value": "84.0000"},
            ],
        ),
    }
    # The other KPIs are flat (meeting every month): projected, never at risk.
    assert ScorecardKPI.objects.filter(at_risk=True).exclude(kpi_code=FPAR).count() == 0
    # One episode (April to June), notified once, from the newest scorecard.
    keys = list(Notification.objects.filter(kind="at_risk").values_list("key", flat=True))
    assert keys == [f"at_risk:{contract.vendor_id}:{FPAR}:2026-04"]
    subjects = [m.subject for m in mailoutbox]
    assert subjects == [
        "At risk: Acme First-pass claim acceptance rate projected to breach in 2026-07"
    ]
    assert "Projected: 2026-07: 88.0000, 2026-08: 86.0000, 2026-09: 84.0000" in mailoutbox[0].body
    # The bell's row leads to the vendor's page.
    assert list(InAppNotification.objects.values_list("kind", "link")) == [
        ("at_risk", f"/vendors/{contract.vendor_id}/")
    ]
    report(contract.vendor, "2026-06", **{FPAR: D("90.5")})  # a new revision, same episode
    evaluate(today=after_due("2026-06"))
    assert _row("2026-06").at_risk is True
    assert Notification.objects.filter(kind="at_risk").count() == 1
    assert len(mailoutbox) == 1


def test_a_new_episode_after_the_kpi_recovered_is_notified_again(org, contract, mailoutbox):
    member(org, Role.ADMIN, user__email="boss@example.test")
    for period, value in [("2026-01", "100"), ("2026-02", "98"), ("2026-03", "96")]:
        report(contract.vendor, period, **{FPAR: D(value)})
    report(contract.vendor, "2026-04", **{FPAR: D("94")})
    evaluate(today=after_due("2026-04"))
    assert _row("2026-04").at_risk is True  # 92, 90, 88: episode from April
    report(contract.vendor, "2026-05", **{FPAR: D("98")})
    evaluate(today=after_due("2026-05"))
    # 100 98 96 94 98: slope -0.8, 94.8 94 93.2: no longer at risk, the episode ended.
    assert (_row("2026-05").at_risk, _row("2026-05").projection[2]) == (
        False,
        {"period": "2026-08", "value": "93.2000"},
    )
    report(contract.vendor, "2026-06", **{FPAR: D("92")})
    evaluate(today=after_due("2026-06"))
    # 100 98 96 94 98 92: mean 96.33.., slope -1.2: 92.1333, 90.9333, 89.7333 (< 90 in September).
    row = _row("2026-06")
    assert (row.at_risk, row.projected_breach_period) == (True, "2026-09")
    assert [p["value"] for p in row.projection] == ["92.1333", "90.9333", "89.7333"]
    keys = sorted(Notification.objects.filter(kind="at_risk").values_list("key", flat=True))
    vendor = contract.vendor_id
    assert keys == [f"at_risk:{vendor}:{FPAR}:2026-04", f"at_risk:{vendor}:{FPAR}:2026-06"]
    assert len(mailoutbox) == 2


def test_a_breach_today_is_not_at_risk(org, contract):
    for period, value in zip(
        ["2026-01", "2026-02", "2026-03", "2026-04"], ["99", "96", "93", "89"], strict=True
    ):
        report(contract.vendor, period, **{FPAR: D(value)})
    evaluate(today=after_due("2026-04"))
    row = _row("2026-04")
    assert (row.status, row.at_risk, row.projected_breach_period) == ("breach", False, "")
    assert row.projection is not None
    assert not Notification.objects.filter(kind="at_risk").exists()
