"""Incremental evaluation gives the rows of a full run (issue #12).

The same organization is built twice from the same sequence of events (reports, a re-sent
report, a late report after a missing month, a person's remediation transition, a term change,
a holiday, an amendment, months falling due): once with the product's incremental paths after
each event (the report task, the re-scoring task, the daily run), once with a full evaluation
after each event. Scorecards (every revision), their KPI rows, remediation items, their events,
the audit trail of those moves and termination rights are compared row by row, every column
except ids, hashes of ids and timestamps.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal as D
from typing import Any

import pytest
from django.core.management import call_command

from scorecard import remediation as rm
from scorecard.models import (
    RemediationEvent,
    RemediationItem,
    Scorecard,
    ScorecardKPI,
    TerminationRight,
)
from scorecard.services import evaluation
from scorecard.services.remediation import remediation_transition
from tests.factories import ContractFactory, OrganizationFactory, member
from vendors import services
from vendors.models import AuditEvent, PendingRescore, Report, SLATerm
from vendors.services import holidays
from vendors.services.reports import report_ingest

pytestmark = pytest.mark.django_db
HEADER = (
    "period,first_pass_acceptance_rate,denial_rate,days_in_ar,net_collection_rate,"
    "coding_turnaround_hours,resubmission_turnaround_business_days,payments\n"
)


def _send(vendor, period: str, days_in_ar: str, received: dt.datetime) -> list[int]:
    row = f"{period},96,7,{days_in_ar},97,40,1.5,100000\n"
    result = report_ingest(
        organization=vendor.organization,
        vendor=vendor,
        content=(HEADER + row).encode(),
        file_name=f"{vendor.slug}_{period}_{days_in_ar}.csv",
        received_at=received,
    )
    return list(result.report_ids)


def _noon(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T12:00:00+00:00")


class Build:
    """One organization built event by event; ``run`` evaluates after each event."""

    def __init__(self, slug: str, run: Callable[[Build, list[int]], Any], time_machine) -> None:
        self.org = OrganizationFactory(name=f"Practice {slug}", slug=slug)
        self.run = run
        self.time_machine = time_machine
        self.seen: list[list[str]] = []  # Zeta's April item after each re-sent month
        self.person = member(self.org, user__first_name="Lee", user__last_name="Lead")

    def at(self, day: str) -> None:
        self.time_machine.move_to(_noon(day), tick=False)

    def vendor_ids(self) -> list[int]:
        return sorted(self.org.vendors.values_list("pk", flat=True))

    def events(self) -> None:
        self.at("2026-01-02")
        acme = ContractFactory(
            vendor__organization=self.org,
            vendor__slug="acme",
            vendor__name="Acme",
            start_date=dt.date(2026, 1, 1),
        )
        zeta = ContractFactory(
            vendor__organization=self.org,
            vendor__slug="zeta",
            vendor__name="Zeta",
            start_date=dt.date(2026, 1, 1),
            termination_consecutive_breaches=2,
        )
        self.run(self, [])
        a, z = acme.vendor, zeta.vendor
        # January and February: Acme in breach (days in A/R 60, 58), Zeta meets then watch.
        self.at("2026-02-04")
        self.run(self, _send(a, "2026-01", "60", _noon("2026-02-03")))
        self.run(self, _send(z, "2026-01", "35", _noon("2026-02-03")))
        self.at("2026-03-04")
        self.run(self, _send(a, "2026-02", "58", _noon("2026-03-03")))
        self.run(self, _send(z, "2026-02", "50", _noon("2026-03-03")))
        # March: no report from Acme by its due day; the daily run measures it missing.
        self.at("2026-04-20")
        self.run(self, _send(z, "2026-03", "52", _noon("2026-04-03")))
        self.run(self, [])
        # Acme's March report arrives late, in breach: a third breach (a termination right).
        self.at("2026-04-25")
        self.run(self, _send(a, "2026-03", "57", _noon("2026-04-25")))
        # A person moves Acme's breach item on.
        item = RemediationItem.objects.get(
            vendor=a, kpi__code="days_in_ar", kind=rm.BREACH_KIND, opened_period="2026-01"
        )
        remediation_transition(
            item=item, to_status=rm.ACTION_PLAN_RECEIVED, reason="Plan agreed", actor=self.person
        )
        self.run(self, [])
        # April: Acme meets; Zeta in breach.
        self.at("2026-05-04")
        self.run(self, _send(a, "2026-04", "35", _noon("2026-05-03")))
        self.run(self, _send(z, "2026-04", "60", _noon("2026-05-03")))
        # Acme re-sends February (watch, not breach): the run breaks, the trend of March and
        # April changes (their previous value and three-month average depend on February).
        self.at("2026-05-06")
        self.run(self, _send(a, "2026-02", "45", _noon("2026-05-06")))
        # May: both meet; Zeta's days in A/R benchmark is loosened from the contract's start.
        self.at("2026-06-04")
        self.run(self, _send(a, "2026-05", "35", _noon("2026-06-03")))
        self.run(self, _send(z, "2026-05", "60", _noon("2026-06-03")))
        term = SLATerm.objects.get(contract=zeta, kpi__code="days_in_ar")
        services.sla_term_update(term=term, benchmark=D("52"), warning=D("58"))
        self.run(self, [])
        # A holiday moves June's due day; Acme's June report then counts as late.
        self.at("2026-07-10")
        holidays.holiday_add(organization=self.org, date=dt.date(2026, 7, 3), name="Fourth")
        self.run(self, [])
        self.run(self, _send(a, "2026-06", "35", _noon("2026-07-15")))
        self.run(self, _send(z, "2026-06", "56", _noon("2026-07-03")))
        # Zeta's contract amended from July (a stricter threshold); July and August fall due.
        services.contract_amend(
            contract=zeta, effective_date=dt.date(2026, 7, 1), termination_consecutive_breaches=3
        )
        self.run(self, [])
        self.at("2026-08-05")
        self.run(self, _send(a, "2026-07", "41", _noon("2026-08-04")))
        self.run(self, _send(z, "2026-07", "50", _noon("2026-08-04")))
        self.at("2026-09-04")
        self.run(self, _send(z, "2026-08", "60", _noon("2026-09-03")))
        # Zeta re-sends April, May, then August, none in breach any more: the breach item
        # opened in April (escalated) is withdrawn only once August, months after the carry-in
        # window of the run, no longer breaches; its April status is the stored one.
        for day, period in (("2026-09-10", "2026-04"), ("2026-09-11", "2026-05")):
            self.at(day)
            self.run(self, _send(z, period, "50", _noon(day)))
            self.seen.append(
                list(
                    RemediationItem.objects.filter(
                        vendor=z, kind=rm.BREACH_KIND, opened_period="2026-04"
                    ).values_list("status", flat=True)
                )
            )
        self.at("2026-09-12")
        self.run(self, _send(z, "2026-08", "50", _noon("2026-09-12")))
        self.at("2026-09-20")
        self.run(self, [])


def incremental(build: Build, report_ids: list[int]) -> None:
    """What production does: the report task, else the re-scoring task, else the daily run."""
    if report_ids:
        evaluation.evaluate_reports(report_ids=report_ids)
        return
    pending = list(
        PendingRescore.objects.filter(organization=build.org).values_list("pk", flat=True)
    )
    if pending:
        evaluation.rescore_pending(pending_ids=pending)
    evaluation.evaluate_daily()


def full(build: Build, report_ids: list[int]) -> None:
    """Everything, from every vendor's first month."""
    evaluation.evaluate(vendor_ids=build.vendor_ids())


def _plain(value: Any) -> Any:
    """A snapshot without ids (rows of two organizations differ only there)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k != "id"}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def rows(build: Build) -> dict[str, list[tuple]]:
    """Every evaluation row of the organization, ids replaced by what they stand for."""
    cards = Scorecard.objects.filter(organization=build.org).order_by(
        "vendor__slug", "period", "revision"
    )
    card_rows = [
        (
            c.vendor.slug,
            c.contract.version,
            c.period,
            c.revision,
            c.is_current,
            None if c.report is None else (c.report.period, c.report.version),
            c.overall_score,
            c.standing,
            c.report_late,
            c.report_due_date,
            c.currency,
            c.fee,
            c.credit,
            c.effective_rate,
            c.cost_per_claim,
            _plain(c.snapshot),
            c.superseded_at is None,
        )
        for c in cards.select_related("vendor", "contract", "report")
    ]
    kpi_fields = [f.name for f in ScorecardKPI._meta.fields if f.name not in ("id", "scorecard")]
    kpis = [
        (
            k.scorecard.vendor.slug,
            k.scorecard.period,
            k.scorecard.revision,
            *tuple(getattr(k, f) for f in kpi_fields),
        )
        for k in ScorecardKPI.objects.filter(scorecard__organization=build.org)
        .select_related("scorecard__vendor")
        .order_by("scorecard__vendor__slug", "scorecard__period", "scorecard__revision", "kpi_code")
    ]
    items = RemediationItem.objects.filter(organization=build.org).select_related(
        "vendor", "contract", "kpi"
    )

    def key(i: RemediationItem) -> tuple:
        return (i.vendor.slug, i.contract.version, i.kpi.code, i.kind, i.opened_period)

    item_rows = sorted(
        (*key(i), i.status, i.cure_deadline, i.meeting_streak, i.verified, i.closed_at is None)
        for i in items
    )
    events = sorted(
        (*key(e.item), e.from_status, e.to_status, e.actor_name, e.reason, e.period)
        for e in RemediationEvent.objects.filter(item__organization=build.org).select_related(
            "item__vendor", "item__contract", "item__kpi"
        )
    )
    # Order of events within an item: their sequence, not their ids.
    sequences = [
        [
            (e.from_status, e.to_status)
            for e in RemediationEvent.objects.filter(item=i).order_by("at", "id")
        ]
        for i in sorted(items, key=key)
    ]
    audit = [
        (a.record_label, a.action, a.reason, a.changes, a.actor_name)
        for a in AuditEvent.objects.filter(
            organization=build.org, record_type="remediation_item"
        ).order_by("id")
    ]
    rights = sorted(
        (
            r.vendor.slug,
            r.contract.version,
            r.kpi.code,
            tuple(r.periods),
            r.withdrawn_at is None,
            r.withdrawn_reason,
            r.acknowledged_at is None,
        )
        for r in TerminationRight.objects.filter(organization=build.org).select_related(
            "vendor", "contract", "kpi"
        )
    )
    return {
        "scorecards": card_rows,
        "scorecard_kpis": kpis,
        "remediation_items": item_rows,
        "remediation_events": events,
        "event_sequences": sequences,
        "audit": audit,
        "termination_rights": rights,
    }


def test_incremental_runs_give_the_rows_of_full_runs(time_machine, settings):
    settings.RESCORE_TASK = ""  # the tasks' services are called here, as the worker would
    built = Build("inc", incremental, time_machine)
    built.events()
    reference = Build("full", full, time_machine)
    reference.events()
    got, want = rows(built), rows(reference)
    for table in want:
        assert len(got[table]) == len(want[table]), table
        for i, (left, right) in enumerate(zip(got[table], want[table], strict=True)):
            assert left == right, f"{table} row {i}"
    # The scenario exercises what it claims: re-issued revisions, a withdrawn right, moves.
    assert max(row[3] for row in want["scorecards"]) >= 3
    assert sum(not row[4] for row in want["termination_rights"]) == 2
    assert {row[6] for row in want["remediation_events"]} >= {rm.ACTION_PLAN_RECEIVED, rm.WAIVED}
    assert reference.seen == [[rm.ESCALATED], [rm.ESCALATED]]
    assert not PendingRescore.objects.exists()


def test_a_new_month_evaluates_only_that_month(time_machine, settings):
    """After six evaluated months, a seventh report's run re-reads no earlier month: nothing is
    'unchanged' (a full run counts every earlier month unchanged), one scorecard is issued."""
    settings.RESCORE_TASK = ""
    built = Build("six", incremental, time_machine)
    built.at("2026-01-02")
    contract = ContractFactory(
        vendor__organization=built.org, vendor__slug="acme", start_date=dt.date(2026, 1, 1)
    )
    for month in range(1, 7):
        built.at(f"2026-{month + 1:02d}-04")
        _send(contract.vendor, f"2026-{month:02d}", "35", _noon(f"2026-{month + 1:02d}-03"))
    built.at("2026-07-20")
    first = evaluation.evaluate_daily()
    assert (first.issued, first.unchanged) == (6, 0)
    built.at("2026-08-04")
    ids = _send(contract.vendor, "2026-07", "35", _noon("2026-08-03"))
    summary = evaluation.evaluate_reports(report_ids=ids)
    assert (summary.issued, summary.unchanged) == (1, 0)
    again = evaluation.evaluate(vendor_ids=[contract.vendor_id])
    assert (again.issued, again.unchanged) == (0, 7)
    # A re-sent March report re-issues March and the two months whose trend reads it.
    built.at("2026-08-05")
    ids = _send(contract.vendor, "2026-03", "38", _noon("2026-08-05"))
    resent = evaluation.evaluate_reports(report_ids=ids)
    assert (resent.issued, resent.unchanged) == (3, 2)
    current = Scorecard.objects.filter(vendor=contract.vendor, is_current=True)
    assert dict(current.values_list("period", "revision")) == {
        "2026-01": 1,
        "2026-02": 1,
        "2026-03": 2,
        "2026-04": 2,
        "2026-05": 2,
        "2026-06": 1,
        "2026-07": 1,
    }
    assert Report.objects.filter(vendor=contract.vendor, is_current=True).count() == 7


def test_evaluate_period_writes_that_month_from_the_months_it_reads(time_machine, settings):
    """``evaluate --period`` writes only that month, from the months before it; ``--full`` reads
    everything; ``evaluate`` (full) then re-issues the rest and answers the re-scoring row."""
    settings.RESCORE_TASK = ""
    built = Build("period", incremental, time_machine)
    built.at("2026-01-02")
    contract = ContractFactory(
        vendor__organization=built.org, vendor__slug="acme", start_date=dt.date(2026, 1, 1)
    )
    for month in range(1, 5):
        built.at(f"2026-{month + 1:02d}-04")
        _send(contract.vendor, f"2026-{month:02d}", "35", _noon(f"2026-{month + 1:02d}-03"))
    built.at("2026-05-20")
    assert evaluation.evaluate_daily().issued == 4
    # February re-sent (still meeting, another value), not evaluated yet.
    _send(contract.vendor, "2026-02", "38", _noon("2026-05-20"))
    out = io.StringIO()
    call_command("evaluate", "--period", "2026-03", stdout=out)  # its trend reads February
    assert "Scorecards issued: 1, unchanged: 0" in out.getvalue()
    out = io.StringIO()
    call_command("evaluate", "--period", "2026-03", "--full", stdout=out)
    assert "Scorecards issued: 0, unchanged: 1" in out.getvalue()
    current = Scorecard.objects.filter(vendor=contract.vendor, is_current=True)
    revisions = dict(current.values_list("period", "revision"))
    assert revisions == {"2026-01": 1, "2026-02": 1, "2026-03": 2, "2026-04": 1}
    assert PendingRescore.objects.filter(vendor=contract.vendor).count() == 1
    out = io.StringIO()
    call_command("evaluate", stdout=out)
    assert "Scorecards issued: 2, unchanged: 2" in out.getvalue()  # February and April
    revisions = dict(current.values_list("period", "revision"))
    assert revisions == {"2026-01": 1, "2026-02": 2, "2026-03": 2, "2026-04": 2}
    assert not PendingRescore.objects.exists()
