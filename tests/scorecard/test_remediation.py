"""Remediation from breach to verified cure (domain.md section 4), over a sequence of months."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from scorecard import remediation as rm
from scorecard.models import RemediationItem, Scorecard, TerminationRight
from scorecard.services.evaluation import evaluate
from scorecard.services.remediation import remediation_transition
from tests.factories import ContractFactory, member
from tests.scorecard.helpers import after_due, report
from vendors.models import Role

# days_in_ar (lower is better; benchmark 40, warning 55) and first-pass rate (95 / 90) by month
DAYS_IN_AR = {
    "2026-01": "60",  # breach: item opened, cure by 2026-01-31 + 60 days = 2026-04-01
    "2026-02": "58",  # breach
    "2026-03": "57",  # breach: third in a row raises the termination right
    "2026-04": "50",  # watch after the cure deadline: escalated
    "2026-05": "38",  # meets: verifying
    "2026-06": "39",  # meets twice: closed as verified
}
FIRST_PASS = {"2026-02": "92", "2026-03": "93"}  # watch twice: root-cause review


@pytest.fixture
def vendor(org):
    return ContractFactory(
        vendor__organization=org, vendor__slug="acme", start_date=dt.date(2026, 1, 1)
    ).vendor


def load_months(vendor, months=DAYS_IN_AR, first_pass=FIRST_PASS):
    for period, days in months.items():
        report(
            vendor,
            period,
            days_in_ar=D(days),
            first_pass_acceptance_rate=D(first_pass.get(period, "96")),
        )


def history(item: RemediationItem) -> list[tuple[str, str, str]]:
    return [(e.from_status, e.to_status, e.period) for e in item.events.all()]


@pytest.mark.django_db
def test_whole_timeline_breach_escalation_verification_and_termination_right(vendor):
    load_months(vendor)
    summary = evaluate(vendor_ids=[vendor.pk], today=after_due("2026-06"))
    assert (summary.issued, summary.opened, summary.escalated, summary.closed) == (6, 2, 1, 2)

    breach = RemediationItem.objects.get(kind="breach")
    assert breach.kpi.code == "days_in_ar"
    assert breach.opened_period == "2026-01"
    assert breach.cure_deadline == dt.date(2026, 4, 1)
    assert history(breach) == [
        ("", "open", "2026-01"),
        ("open", "escalated", "2026-04"),
        ("escalated", "verifying", "2026-05"),
        ("verifying", "closed", "2026-06"),
    ]
    assert (breach.status, breach.verified, breach.meeting_streak) == ("closed", True, 2)
    assert all(e.actor is None and e.reason and e.at for e in breach.events.all())

    review = RemediationItem.objects.get(kind="root_cause_review")
    assert review.kpi.code == "first_pass_acceptance_rate"
    assert review.cure_deadline is None  # advisory: never escalated
    assert history(review) == [
        ("", "open", "2026-03"),
        ("open", "verifying", "2026-04"),
        ("verifying", "closed", "2026-05"),
    ]

    right = TerminationRight.objects.get()
    assert right.kpi.code == "days_in_ar"
    assert right.periods == ["2026-01", "2026-02", "2026-03"]

    # The scorecards carry the state as of their period.
    april = Scorecard.objects.get(period="2026-04").snapshot
    assert [(r["kpi"], r["status"]) for r in april["remediations"]] == [
        ("days_in_ar", "escalated"),
        ("first_pass_acceptance_rate", "verifying"),
    ]
    assert april["termination_rights"] == [
        {"kpi": "days_in_ar", "periods": ["2026-01", "2026-02", "2026-03"]}
    ]
    assert Scorecard.objects.get(period="2026-01").snapshot["termination_rights"] == []

    # Running it again changes nothing: no new revision, no event, no item.
    events = sum(len(history(i)) for i in RemediationItem.objects.all())
    again = evaluate(vendor_ids=[vendor.pk], today=after_due("2026-06"))
    assert (again.issued, again.unchanged, again.opened, again.escalated) == (0, 6, 0, 0)
    assert sum(len(history(i)) for i in RemediationItem.objects.all()) == events
    assert TerminationRight.objects.count() == 1


@pytest.mark.django_db
def test_month_by_month_equals_all_at_once(vendor):
    """Evaluating after each report (as the task does) gives the same history as one batch."""
    for period, days in DAYS_IN_AR.items():
        report(
            vendor,
            period,
            days_in_ar=D(days),
            first_pass_acceptance_rate=D(FIRST_PASS.get(period, "96")),
        )  # the stored-report task evaluates (eager in tests)
        evaluate(vendor_ids=[vendor.pk], today=after_due(period))
    breach = RemediationItem.objects.get(kind="breach")
    assert [s for _, s, _ in history(breach)] == ["open", "escalated", "verifying", "closed"]
    assert TerminationRight.objects.get().periods == ["2026-01", "2026-02", "2026-03"]
    assert Scorecard.objects.filter(is_current=True).count() == 6


@pytest.mark.django_db
def test_breaking_the_streak_goes_back_to_in_progress_and_a_new_run_raises_a_new_right(vendor):
    months = {
        "2026-01": "60",
        "2026-02": "39",  # meets once: verifying
        "2026-03": "56",  # breach again: back in progress, streak reset
        "2026-04": "56",
        "2026-05": "56",  # Mar-May: a new run of three consecutive breaches
    }
    load_months(vendor, months, first_pass={})
    evaluate(vendor_ids=[vendor.pk], today=after_due("2026-05"))
    item = RemediationItem.objects.get(kind="breach")
    assert history(item) == [
        ("", "open", "2026-01"),
        ("open", "verifying", "2026-02"),
        ("verifying", "in_progress", "2026-03"),
        ("in_progress", "escalated", "2026-04"),  # 2026-04-30 is past the 2026-04-01 deadline
    ]
    assert item.meeting_streak == 0
    assert [r.periods for r in TerminationRight.objects.all()] == [
        ["2026-03", "2026-04", "2026-05"]
    ]


@pytest.mark.django_db
def test_watch_once_opens_nothing(vendor):
    load_months(vendor, {"2026-01": "41", "2026-02": "39", "2026-03": "41"}, first_pass={})
    evaluate(vendor_ids=[vendor.pk], today=after_due("2026-03"))
    assert not RemediationItem.objects.exists()


# --- Transitions by people -------------------------------------------------------------------
@pytest.fixture
def open_item(vendor):
    load_months(vendor, {"2026-01": "60"})
    evaluate(vendor_ids=[vendor.pk], today=after_due("2026-01"))
    return RemediationItem.objects.get(kind="breach")


@pytest.mark.django_db
def test_people_move_an_item_with_who_when_and_why(open_item, admin_user):
    at = dt.datetime(2026, 2, 10, 9, tzinfo=dt.UTC)
    for status in ("action_plan_received", "in_progress", "verifying"):
        remediation_transition(
            item=open_item, to_status=status, reason=f"Because {status}", actor=admin_user, at=at
        )
    open_item.refresh_from_db()
    assert open_item.status == "verifying"
    events = list(open_item.events.order_by("id"))[1:]
    assert [(e.from_status, e.to_status, e.actor, e.at, e.reason) for e in events] == [
        ("open", "action_plan_received", admin_user, at, "Because action_plan_received"),
        ("action_plan_received", "in_progress", admin_user, at, "Because in_progress"),
        ("in_progress", "verifying", admin_user, at, "Because verifying"),
    ]
    # Closing needs the KPI to have met its benchmark for two consecutive periods.
    with pytest.raises(ValidationError, match="closing as verified needs 2"):
        remediation_transition(item=open_item, to_status="closed", reason="ok", actor=admin_user)


@pytest.mark.django_db
def test_waiving_needs_a_reason(open_item, org):
    compliance = member(org, Role.COMPLIANCE)
    with pytest.raises(ValidationError) as refused:
        remediation_transition(item=open_item, to_status="waived", reason="  ", actor=compliance)
    assert refused.value.message_dict == {"reason": ["Waiving needs a reason."]}
    open_item.refresh_from_db()
    assert open_item.status == "open" and open_item.events.count() == 1

    remediation_transition(
        item=open_item, to_status="waived", reason="Payer outage, not the vendor", actor=compliance
    )
    open_item.refresh_from_db()
    assert open_item.status == "waived"
    last = open_item.events.order_by("id").last()
    assert (last.to_status, last.actor, last.reason) == (
        "waived",
        compliance,
        "Payer outage, not the vendor",
    )
    with pytest.raises(ValidationError, match="already waived"):
        remediation_transition(item=open_item, to_status="open", reason="x", actor=compliance)


@pytest.mark.django_db
def test_a_waived_item_lets_a_new_breach_open_a_new_item(vendor, admin_user):
    load_months(vendor, {"2026-01": "60"})
    evaluate(vendor_ids=[vendor.pk], today=after_due("2026-01"))
    first = RemediationItem.objects.get()
    remediation_transition(item=first, to_status="waived", reason="one-off", actor=admin_user)
    report(vendor, "2026-02", days_in_ar=D("61"))
    evaluate(vendor_ids=[vendor.pk], today=after_due("2026-02"))
    second = RemediationItem.objects.exclude(pk=first.pk).get()
    assert (second.status, second.opened_period) == ("open", "2026-02")


# --- The pure rules -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "from_status", "to_status", "reason", "streak", "error"),
    [
        ("breach", "open", "action_plan_received", "plan in", 0, None),
        ("breach", "open", "in_progress", "skip", 0, "cannot move from open to in_progress"),
        ("breach", "open", "waived", "", 0, "Waiving needs a reason."),
        ("breach", "open", "escalated", "", 0, "Every transition needs a reason."),
        ("breach", "verifying", "closed", "cured", 1, "needs 2"),
        ("breach", "verifying", "closed", "cured", 2, None),
        ("breach", "closed", "open", "again", 0, "already closed"),
        ("root_cause_review", "open", "closed", "reviewed", 0, None),
        ("breach", "escalated", "in_progress", "new plan", 0, None),
        ("breach", "open", "bogus", "x", 0, "Unknown status"),
    ],
)
def test_check_transition(kind, from_status, to_status, reason, streak, error):
    call = dict(
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        meeting_streak=streak,
        verification_periods=2,
    )
    if error is None:
        rm.check_transition(**call)
    else:
        with pytest.raises(rm.TransitionError, match=error):
            rm.check_transition(**call)


def test_step_opens_breach_with_cure_deadline_and_counts_runs():
    items: list[rm.Item] = []
    result = rm.step(
        period="2026-07",
        period_end=dt.date(2026, 7, 31),
        statuses={"a": "breach", "b": "watch", "c": "meets"},
        previous_statuses={"b": "watch"},
        breach_runs={"a": ["2026-05", "2026-06"]},
        items=items,
        rules=rm.Rules(cure_period_days=30, termination_consecutive_breaches=3),
    )
    assert [(i.kpi_code, i.kind, i.cure_deadline) for i in result.opened] == [
        ("a", "breach", dt.date(2026, 8, 30)),
        ("b", "root_cause_review", None),
    ]
    assert result.terminations == [("a", ["2026-05", "2026-06", "2026-07"])]
    assert result.breach_runs == {"a": ["2026-05", "2026-06", "2026-07"], "b": [], "c": []}
