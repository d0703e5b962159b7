"""Scorecard snapshots: revisions, idempotency, late reports, insufficient data, the task, the
commands and notifications sent once."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal as D

import pytest
from django.core.management import CommandError, call_command

from scorecard.models import Notification, RemediationItem, Scorecard
from scorecard.selectors import scorecard_payload
from scorecard.services import notifications
from scorecard.services.evaluation import evaluate
from scorecard.tasks.evaluation import evaluate_report, evaluate_reports
from tests.conftest import client_for
from tests.factories import ContractFactory, member
from tests.scorecard.helpers import report
from vendors.models import Role
from vendors.services import holidays

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(time_machine):
    """2026-04-20: March 2026's report was due on the 14th, April's is not due yet."""
    time_machine.move_to(dt.datetime(2026, 4, 20, 12, tzinfo=dt.UTC), tick=False)


@pytest.fixture
def contract(org):
    return ContractFactory(
        vendor__organization=org,
        vendor__slug="acme",
        vendor__name="Acme",
        start_date=dt.date(2026, 3, 1),
    )


@pytest.fixture
def january_contract(org):
    """Acme's contract from January 2026."""
    return ContractFactory(
        vendor__organization=org,
        vendor__slug="acme",
        vendor__name="Acme",
        start_date=dt.date(2026, 1, 1),
    )


def test_new_report_version_makes_a_new_revision_and_same_inputs_change_nothing(contract):
    vendor = contract.vendor
    report(vendor, "2026-03", days_in_ar=D("42"))
    assert evaluate().issued == 1
    first = Scorecard.objects.get()
    assert evaluate().issued == 0  # same inputs: nothing
    assert Scorecard.objects.get().inputs_sha256 == first.inputs_sha256

    report(vendor, "2026-03", days_in_ar=D("38"))  # version 2 of the report
    assert evaluate().issued == 1
    old, new = Scorecard.objects.order_by("revision")
    assert (old.revision, old.is_current, old.superseded_at is not None) == (1, False, True)
    assert (new.revision, new.is_current) == (2, True)
    assert new.inputs_sha256 != old.inputs_sha256
    assert old.kpis.get(kpi_code="days_in_ar").status == "watch"
    assert new.kpis.get(kpi_code="days_in_ar").status == "meets"
    assert new.snapshot["report"]["version"] == 2


def test_insufficient_data_and_not_reported(contract):
    report(contract.vendor, "2026-03", claims_submitted=12, drop=("coding_turnaround_hours",))
    evaluate()
    statuses = dict(Scorecard.objects.get().kpis.values_list("kpi_code", "status"))
    assert statuses == {
        "first_pass_acceptance_rate": "insufficient_data",  # 12 claims < 30
        "denial_rate": "insufficient_data",
        "days_in_ar": "meets",
        "net_collection_rate": "meets",
        "coding_turnaround_hours": "not_reported",
        "resubmission_turnaround_business_days": "meets",
    }
    card = Scorecard.objects.get()
    assert card.overall_score == D("100.00")  # only KPIs with a value count
    assert card.kpis.get(kpi_code="denial_rate").points is None


@pytest.mark.parametrize(
    ("counts_as_breach", "status"), [(False, "not_reported"), (True, "breach")]
)
def test_late_report_flagged_and_missing_kpis_count_as_breach_when_the_contract_says(
    org, counts_as_breach, status
):
    contract = ContractFactory(
        vendor__organization=org,
        late_report_counts_as_breach=counts_as_breach,
        start_date=dt.date(2026, 1, 1),
    )
    # The 2026-01 report is due on business day 10 of February 2026: Friday the 13th.
    report(
        contract.vendor,
        "2026-01",
        received_at=dt.datetime(2026, 2, 16, 9, tzinfo=dt.UTC),
        drop=("coding_turnaround_hours",),
    )
    report(contract.vendor, "2026-02", received_at=dt.datetime(2026, 3, 13, 9, tzinfo=dt.UTC))
    evaluate(today=dt.date(2026, 3, 20))
    late = Scorecard.objects.get(period="2026-01")
    assert (late.report_late, late.report_due_date) == (True, dt.date(2026, 2, 13))
    assert late.kpis.get(kpi_code="coding_turnaround_hours").status == status
    # on time on the due date itself (March 13, 2026 is business day 10)
    on_time = Scorecard.objects.get(period="2026-02")
    assert (on_time.report_late, on_time.report_due_date) == (False, dt.date(2026, 3, 13))
    # 95 % of the weight meets; a late missing KPI adds its weight with 0 points
    assert late.overall_score == (D("90.00") if counts_as_breach else D("100.00"))


def test_the_organizations_holidays_move_the_due_date(january_contract):
    contract, org = january_contract, january_contract.organization
    holidays.holidays_set(organization=org, dates=["2026-02-16"])  # Presidents' Day
    report(contract.vendor, "2026-01", received_at=dt.datetime(2026, 2, 16, 9, tzinfo=dt.UTC))
    evaluate(today=dt.date(2026, 2, 20))
    card = Scorecard.objects.get()
    assert card.report_due_date == dt.date(2026, 2, 13)  # business day 10 is before the holiday
    holidays.holidays_set(organization=org, dates=["2026-02-02"])
    report(contract.vendor, "2026-01", received_at=dt.datetime(2026, 2, 16, 10, tzinfo=dt.UTC))
    evaluate(today=dt.date(2026, 2, 20))
    card = Scorecard.objects.get(is_current=True)
    assert (card.report_due_date, card.report_late) == (dt.date(2026, 2, 16), False)


def test_a_missing_month_between_reports_is_not_reported_and_late(january_contract):
    contract = january_contract
    report(contract.vendor, "2026-01")
    report(contract.vendor, "2026-03")
    evaluate(today=dt.date(2026, 4, 20))
    gap = Scorecard.objects.get(period="2026-02")
    assert gap.report_id is None and gap.report_late is True
    assert set(gap.kpis.values_list("status", flat=True)) == {"not_reported"}
    assert gap.overall_score is None and gap.standing == ""


def test_the_stored_report_task_evaluates(contract):
    assert evaluate_report.name == "scorecard.evaluate_report"
    stored = report(contract.vendor, "2026-03", days_in_ar=D("60"))
    evaluate_report.delay(stored.pk)
    card = Scorecard.objects.get()
    assert card.report_id == stored.pk
    assert RemediationItem.objects.get().status == "open"
    evaluate_report.delay(stored.pk)  # twice: nothing new
    assert Scorecard.objects.count() == 1 and RemediationItem.objects.count() == 1


def test_one_task_evaluates_every_vendor_of_the_stored_reports(contract, settings):
    assert evaluate_reports.name == "scorecard.evaluate_reports"
    other = ContractFactory(
        vendor__organization=contract.organization,
        vendor__slug="zeta",
        start_date=dt.date(2026, 3, 1),
    )
    first = report(contract.vendor, "2026-03", days_in_ar=D("60"))
    second = report(contract.vendor, "2026-04")
    third = report(other.vendor, "2026-03")
    assert evaluate_reports.delay([first.pk, second.pk, third.pk]).get() == 3
    cards = Scorecard.objects.order_by("report_id").values_list("report_id", flat=True)
    assert list(cards) == [first.pk, second.pk, third.pk]
    assert evaluate_reports.delay([first.pk, second.pk, third.pk]).get() == 0  # nothing new
    assert evaluate_reports.delay([]).get() == 0


def test_commands_evaluate_and_show_scorecard(contract, api):
    report(contract.vendor, "2026-03", days_in_ar=D("60"))
    out = io.StringIO()
    call_command("evaluate", "--vendor", "acme", stdout=out)
    assert "Scorecards issued: 1, unchanged: 0" in out.getvalue()
    out = io.StringIO()
    call_command("evaluate", "--period", "2026-03", stdout=out)
    assert "Scorecards issued: 0, unchanged: 1" in out.getvalue()

    out = io.StringIO()
    call_command("show_scorecard", "--vendor", "acme", "--period", "2026-03", "--json", stdout=out)
    card = Scorecard.objects.get()
    assert json.loads(out.getvalue()) == api.get(f"/api/v1/scorecards/{card.pk}/").json()
    assert json.loads(out.getvalue()) == scorecard_payload(card)

    out = io.StringIO()
    call_command("show_scorecard", "--vendor", "acme", "--period", "2026-03", stdout=out)
    table = out.getvalue()
    assert "Overall score: 80.00  Standing: Good" in table
    assert any(
        line.startswith("days_in_ar") and line.rstrip().endswith("breach")
        for line in table.splitlines()
    )
    assert "days_in_ar breach: open (opened 2026-03, cure by 2026-05-30)" in table

    with pytest.raises(CommandError, match="No scorecard for acme in 2026-04"):
        call_command("show_scorecard", "--vendor", "acme", "--period", "2026-04")
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("evaluate", "--period", "March")
    with pytest.raises(CommandError, match="No vendor with slug 'nope'"):
        call_command("evaluate", "--vendor", "nope")


# --- Notifications ---------------------------------------------------------------------------
def _days_in_ar_breached_four_months(contract) -> None:
    """Days in A/R of 60, 58, 57 and 56 (warning 55) from January to April 2026, evaluated."""
    for period, days in [
        ("2026-01", "60"),
        ("2026-02", "58"),
        ("2026-03", "57"),
        ("2026-04", "56"),
    ]:
        report(contract.vendor, period, days_in_ar=D(days))
    evaluate(today=dt.date(2026, 5, 20))


def test_notifications_go_to_admin_and_compliance_once_each(org, january_contract, mailoutbox):
    contract = january_contract
    member(org, Role.ADMIN, user__email="boss@example.test")
    member(org, Role.COMPLIANCE, user__email="audit@example.test")
    member(org, Role.FINANCE, user__email="money@example.test")
    member(org, Role.VIEWER, user__email="look@example.test")
    _days_in_ar_breached_four_months(contract)
    subjects = sorted(m.subject for m in mailoutbox)
    assert subjects == [
        "Remediation escalated: Acme Days in accounts receivable",
        "SLA breach: Acme Days in accounts receivable (2026-01)",
        "Termination right raised: Acme Days in accounts receivable",
    ]
    assert all(sorted(m.to) == ["audit@example.test", "boss@example.test"] for m in mailoutbox)
    evaluate(today=dt.date(2026, 5, 20))
    report(contract.vendor, "2026-04", days_in_ar=D("59"))  # a new version: a new revision
    evaluate(today=dt.date(2026, 5, 20))
    assert len(mailoutbox) == 3
    assert sorted(Notification.objects.values_list("kind", flat=True)) == [
        "breach",
        "escalation",
        "termination_right",
    ]


def test_cure_deadline_reminder_seven_days_before_once(org, contract, mailoutbox, admin_user):
    report(contract.vendor, "2026-03", days_in_ar=D("60"))
    evaluate(today=dt.date(2026, 4, 20))
    item = RemediationItem.objects.get()
    assert item.cure_deadline == dt.date(2026, 5, 30)
    mailoutbox.clear()
    assert notifications.cure_reminders_send(today=dt.date(2026, 5, 22)) == 0  # 8 days before
    assert notifications.cure_reminders_send(today=dt.date(2026, 5, 23)) == 1  # 7 days before
    assert mailoutbox[0].subject.startswith("Cure deadline in 7 day(s): Acme Days in accounts")
    assert notifications.cure_reminders_send(today=dt.date(2026, 5, 24)) == 0  # once
    assert len(mailoutbox) == 1


def test_manual_escalation_notifies(org, contract, mailoutbox, django_capture_on_commit_callbacks):
    report(contract.vendor, "2026-03", days_in_ar=D("60"))
    evaluate()
    mailoutbox.clear()
    compliance = member(org, Role.COMPLIANCE, user__email="audit@example.test")
    item = RemediationItem.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        r = client_for(compliance).patch(
            f"/api/v1/remediations/{item.pk}/",
            {"status": "escalated", "reason": "No action plan after two reminders"},
            format="json",
        )
    assert r.status_code == 200
    assert [m.subject for m in mailoutbox] == [
        "Remediation escalated: Acme Days in accounts receivable"
    ]
    assert "No action plan after two reminders" in mailoutbox[0].body


def test_notification_bodies_tell_the_items_as_stored(org, january_contract, mailoutbox):
    contract = january_contract
    # The evaluation writes its messages from what it stored, without reading the rows back.
    member(org, Role.ADMIN, user__email="boss@example.test")
    _days_in_ar_breached_four_months(contract)
    item = RemediationItem.objects.get()
    assert (item.status, item.cure_deadline) == ("escalated", dt.date(2026, 4, 1))
    line = (
        "Vendor: Acme\nKPI: Days in accounts receivable (days_in_ar)\n"
        "Opened for period: 2026-01\nCure deadline: 2026-04-01\nStatus: escalated\n"
    )
    bodies = {m.subject: m.body for m in mailoutbox}
    assert bodies == {
        "SLA breach: Acme Days in accounts receivable (2026-01)": (
            "A KPI breached its warning threshold; a remediation item is open.\n\n" + line
        ),
        "Remediation escalated: Acme Days in accounts receivable": (
            "Cure deadline 2026-04-01 passed and the KPI is still breach in 2026-04.\n\n" + line
        ),
        "Termination right raised: Acme Days in accounts receivable": (
            "Acme breached Days in accounts receivable in 3 consecutive periods "
            "(2026-01, 2026-02, 2026-03). The contract's termination right is raised; this is an "
            "alert for a person to act on, nothing has been terminated."
        ),
    }
    event = item.events.get(to_status="escalated")
    right = contract.termination_rights.get()
    assert sorted(Notification.objects.values_list("key", flat=True)) == sorted(
        [f"breach:{item.pk}", f"escalation:{item.pk}:{event.pk}", f"termination:{right.pk}"]
    )


def test_organizations_with_nobody_to_tell_get_their_rows_once(org, mailoutbox):
    message = notifications.Message(
        organization_id=org.pk, key="breach:1", kind="breach", subject="SLA breach", body="..."
    )
    assert notifications.messages_send([message]) == 0
    assert notifications.messages_send([message]) == 0  # recorded once, the second skipped
    assert list(Notification.objects.values_list("key", "recipients")) == [("breach:1", [])]
    member(org, Role.ADMIN, user__email="boss@example.test")
    assert notifications.messages_send([message]) == 0  # a member added later is not flooded
    assert mailoutbox == []
