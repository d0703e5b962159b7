"""Every month is measured (domain.md section 4): months with no report get scorecards of
not-reported KPIs from the contract's first month to the last month whose report is due, by a
daily job, and count toward remediation and termination rights like any other month."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.conf import settings
from django.urls import reverse

from scorecard import page_selectors as reads
from scorecard.models import RemediationItem, Scorecard, TerminationRight
from scorecard.selectors import scorecard_payload
from scorecard.tasks.evaluation import evaluate_daily
from tests.factories import ContractFactory, member
from tests.scorecard.helpers import report
from vendors.models import PendingRescore, Role

pytestmark = pytest.mark.django_db
KPIS = [
    "first_pass_acceptance_rate",
    "denial_rate",
    "days_in_ar",
    "net_collection_rate",
    "coding_turnaround_hours",
    "resubmission_turnaround_business_days",
]


@pytest.fixture(autouse=True)
def _today(time_machine):
    """2026-07-20: June 2026's report was due on 14 July (business day 10); July's is not."""
    time_machine.move_to(dt.datetime(2026, 7, 20, 12, tzinfo=dt.UTC), tick=False)


def _stopped_reporting(org, **contract):
    """A contract from January 2026 whose vendor sent January to March only (days in A/R in
    breach in March), then nothing."""
    c = ContractFactory(
        vendor__organization=org,
        vendor__slug="acme",
        vendor__name="Acme",
        start_date=dt.date(2026, 1, 1),
        **contract,
    )
    report(c.vendor, "2026-01")
    report(c.vendor, "2026-02")
    report(c.vendor, "2026-03", days_in_ar=D("60"))
    return c


def _statuses(period: str) -> dict[str, str]:
    card = Scorecard.objects.get(period=period, is_current=True)
    return dict(card.kpis.values_list("kpi_code", "status"))


def test_a_vendor_that_stops_reporting_is_measured_every_due_month(org):
    contract = _stopped_reporting(org)
    assert evaluate_daily.delay().get() == 6  # January to June; July is not due yet
    cards = Scorecard.objects.filter(is_current=True).order_by("period")
    assert [(c.period, c.report_status, c.report_due_date) for c in cards] == [
        ("2026-01", "on_time", dt.date(2026, 2, 13)),
        ("2026-02", "on_time", dt.date(2026, 3, 13)),
        ("2026-03", "on_time", dt.date(2026, 4, 14)),
        ("2026-04", "missing", dt.date(2026, 5, 14)),
        ("2026-05", "missing", dt.date(2026, 6, 12)),
        ("2026-06", "missing", dt.date(2026, 7, 14)),
    ]
    for period in ("2026-04", "2026-05", "2026-06"):
        assert _statuses(period) == dict.fromkeys(KPIS, "not_reported")
        card = cards.get(period=period)
        assert (card.report_id, card.overall_score, card.standing) == (None, None, "")
    # The March breach is remediated like any other: still not met when its cure deadline
    # (30 May) passes, the missing May escalates it.
    item = RemediationItem.objects.get(contract=contract)
    assert [(e.to_status, e.period, e.reason) for e in item.events.order_by("id")] == [
        ("open", "2026-03", "Breach in 2026-03; cure by 2026-05-30."),
        (
            "escalated",
            "2026-05",
            "Cure deadline 2026-05-30 passed and the KPI is still not_reported in 2026-05.",
        ),
    ]
    assert not TerminationRight.objects.exists()  # not reported is no breach by default

    # Idempotent: the same day again issues nothing, and so does the next day.
    assert evaluate_daily.delay().get() == 0
    assert evaluate_daily.delay("2026-07-21").get() == 0
    assert Scorecard.objects.count() == 6


def test_months_before_the_first_report_are_measured_too(org):
    c = ContractFactory(vendor__organization=org, start_date=dt.date(2026, 3, 1))
    report(c.vendor, "2026-05")
    assert evaluate_daily.delay().get() == 4
    cards = Scorecard.objects.order_by("period").values_list("period", "report_id")
    assert [(p, r is None) for p, r in cards] == [
        ("2026-03", True),
        ("2026-04", True),
        ("2026-05", False),
        ("2026-06", True),
    ]


def test_missing_kpis_count_as_breach_and_raise_the_termination_right_at_the_right_month(org):
    contract = _stopped_reporting(org, late_report_counts_as_breach=True)
    evaluate_daily.delay().get()
    for period in ("2026-04", "2026-05", "2026-06"):
        assert _statuses(period) == dict.fromkeys(KPIS, "breach")
        assert Scorecard.objects.get(period=period).overall_score == D("0.00")
    rights = sorted(
        TerminationRight.objects.filter(contract=contract).values_list("kpi__code", "periods")
    )
    # Days in A/R: March (reported), April and May (missing) -> raised in May; the others'
    # runs begin with the first missing month -> raised in June.
    assert rights == [
        ("coding_turnaround_hours", ["2026-04", "2026-05", "2026-06"]),
        ("days_in_ar", ["2026-03", "2026-04", "2026-05"]),
        ("denial_rate", ["2026-04", "2026-05", "2026-06"]),
        ("first_pass_acceptance_rate", ["2026-04", "2026-05", "2026-06"]),
        ("net_collection_rate", ["2026-04", "2026-05", "2026-06"]),
        ("resubmission_turnaround_business_days", ["2026-04", "2026-05", "2026-06"]),
    ]
    may = scorecard_payload(Scorecard.objects.get(period="2026-05"))
    assert may["termination_rights"] == [
        {"kpi": "days_in_ar", "periods": ["2026-03", "2026-04", "2026-05"]}
    ]
    assert may["report_status"] == "missing" and may["report"] is None


def test_the_dashboard_says_missing_never_received_late_for_a_month_with_no_report(org, client):
    contract = _stopped_reporting(org)
    # February's report came late (due 13 March, received 16 March).
    report(contract.vendor, "2026-02", received_at=dt.datetime(2026, 3, 16, 9, tzinfo=dt.UTC))
    evaluate_daily.delay().get()
    client.force_login(member(org, Role.VIEWER))
    html = client.get(reverse("dashboard")).content.decode()
    assert html.count("received late") == 1
    assert "<strong>Acme</strong>: report for 2026-02 received late (due 2026-03-13)." in html
    for period, due in (("2026-06", "2026-07-14"), ("2026-05", "2026-06-12")):
        assert (
            f"<strong>Acme</strong>: report for {period} missing: not received; it was due "
            f"{due}, and its KPIs are scored not reported." in html
        )
    assert "report for 2026-04 missing" in html  # the three newest
    board = reads.dashboard(org, dt.date(2026, 7, 20))
    assert [(m.period, m.due) for m in board.missing] == [
        ("2026-06", dt.date(2026, 7, 14)),
        ("2026-05", dt.date(2026, 6, 12)),
        ("2026-04", dt.date(2026, 5, 14)),
    ]
    assert [c.period for c in board.late] == ["2026-02"]
    page = client.get(reverse("vendor-detail", args=[contract.vendor.pk])).content.decode()
    assert page.count('<span class="flag">missing</span>') == 3
    assert page.count('<span class="flag">received late</span>') == 1


def test_the_daily_job_is_in_the_beat_schedule_and_picks_up_a_lost_message(org, settings):
    entry = settings.CELERY_BEAT_SCHEDULE["scorecard-daily-evaluation"]
    assert entry["task"] == "scorecard.evaluate_daily"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({5}, {30})
    settings.RESCORE_TASK = ""  # the message is lost: the rows stay
    contract = _stopped_reporting(org)
    assert PendingRescore.objects.filter(vendor=contract.vendor).count() == 1
    assert evaluate_daily.delay().get() == 6
    assert not PendingRescore.objects.exists()


def test_the_pdf_says_missing(org):
    from scorecard.pdf.render import scorecard_html

    _stopped_reporting(org)
    evaluate_daily.delay().get()
    june = scorecard_html(Scorecard.objects.get(period="2026-06").pk)
    assert (
        "<b>Report missing.</b> Due 14 Jul 2026; none was received, so its KPIs are scored "
        "not reported." in june
    )
    assert "Report late" not in june
    march = scorecard_html(Scorecard.objects.get(period="2026-03").pk)
    assert "Report missing" not in march and "Report late" not in march


def test_beat_timezone_is_the_settings_one():
    assert settings.CELERY_TIMEZONE == settings.TIME_ZONE
