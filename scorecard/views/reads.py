"""Reads the pages share, for one organization (the caller has scoped it to the member)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import F, Prefetch, QuerySet

from scorecard import selectors
from scorecard.models import (
    RemediationItem,
    RemediationStatus,
    Scorecard,
    ScorecardKPI,
    Status,
    TerminationRight,
)
from vendors import periods as bd
from vendors import selectors as vendor_selectors
from vendors.models import Contract, Organization, Report, Vendor

# The member's view of a queryset (``base.scoped``: the role policy's ``vendor_scope`` within the
# organization); the identity for internal callers that read a whole organization.
Scope = Callable[[QuerySet[Any]], QuerySet[Any]]


def everything(queryset: QuerySet[Any]) -> QuerySet[Any]:
    """The whole organization (the queryset unchanged)."""
    return queryset


OPEN_REMEDIATION = [
    s for s in RemediationStatus.values if s not in {RemediationStatus.CLOSED, "waived"}
]


def current_scorecards(organization: Organization) -> QuerySet[Scorecard]:
    """The current revision of every scorecard of the organization, KPI rows loaded once."""
    return (
        Scorecard.objects.filter(organization=organization, is_current=True)
        .select_related("vendor", "contract")
        .prefetch_related(Prefetch("kpis", queryset=ScorecardKPI.objects.order_by("display_order")))
    )


def latest_period(organization: Organization, scope: Scope = everything) -> str | None:
    """The newest period with a current scorecard, or None."""
    return (
        scope(Scorecard.objects.filter(organization=organization, is_current=True))
        .order_by("-period")
        .values_list("period", flat=True)
        .first()
    )


@dataclass
class VendorStanding:
    """A vendor and its newest current scorecard (None when not yet evaluated)."""

    vendor: Vendor
    scorecard: Scorecard | None
    cells: dict[str, ScorecardKPI] = field(default_factory=dict)


@dataclass(frozen=True)
class MissingReport:
    """A period whose report did not come by its due day (its KPIs are scored not reported)."""

    vendor: Vendor
    period: str
    due: dt.date


def missing_reports(
    organization: Organization, today: dt.date, *, per_vendor: int = 3, scope: Scope = everything
) -> list[MissingReport]:
    """Past-due periods of a contract in force with no report, newest first (per vendor, the
    newest ``per_vendor``): those whose newest scorecard revision has no report, and due
    periods the daily evaluation has not measured yet."""
    holidays = vendor_selectors.holidays_of(organization_id=organization.pk)
    contracts: dict[int, list[Contract]] = defaultdict(list)
    for c in scope(Contract.objects.filter(organization=organization)).order_by("start_date"):
        contracts[c.vendor_id].append(c)
    reported = set(
        scope(Report.objects.filter(organization=organization, is_current=True)).values_list(
            "vendor_id", "period"
        )
    )
    cards = {
        (vendor_id, period): (report_id, due)
        for vendor_id, period, report_id, due in scope(
            Scorecard.objects.filter(organization=organization, is_current=True)
        ).values_list("vendor_id", "period", "report_id", "report_due_date")
    }
    last_closed = bd.previous_period(bd.period_of(today))
    out: list[MissingReport] = []
    for vendor in scope(Vendor.objects.filter(organization=organization)).order_by("name"):
        versions = contracts.get(vendor.pk)
        if not versions:
            continue
        found = []
        for period in bd.periods_between(bd.period_of(versions[0].start_date), last_closed):
            first_day, last_day = bd.period_bounds(period)
            contract = vendor_selectors.in_force(versions, first_day=first_day, last_day=last_day)
            if contract is None:
                continue
            card = cards.get((vendor.pk, period))
            if card is not None:
                if card[0] is None:
                    found.append(MissingReport(vendor=vendor, period=period, due=card[1]))
                continue
            if (vendor.pk, period) in reported:
                continue
            due = bd.report_due_date(period, contract.report_due_business_day, holidays)
            if bd.is_late(today, due):
                found.append(MissingReport(vendor=vendor, period=period, due=due))
        out.extend(found[-per_vendor:])
    return sorted(out, key=lambda m: (m.period, m.vendor.name), reverse=True)


@dataclass
class Dashboard:
    """What the dashboard shows for one organization."""

    standings: list[VendorStanding]
    kpi_columns: list[tuple[str, str]]
    remediations: list[RemediationItem]
    termination_rights: list[TerminationRight]
    late: list[Scorecard]
    missing: list[MissingReport]
    rescoring: list[Vendor] = field(default_factory=list)


def open_remediations(organization: Organization) -> QuerySet[RemediationItem]:
    """Remediation items still open in any way (neither closed nor waived), by deadline."""
    return (
        selectors.remediations_for_organization(organization=organization)
        .filter(status__in=OPEN_REMEDIATION)
        .order_by(F("cure_deadline").asc(nulls_last=True), "id")
    )


def dashboard(organization: Organization, today: dt.date, scope: Scope = everything) -> Dashboard:
    """Every vendor's newest standing, the vendor x KPI grid and what needs attention, of the
    vendors ``scope`` shows (a vendor user: its own vendor only)."""
    vendors = list(scope(Vendor.objects.filter(organization=organization)).order_by("name"))
    newest: dict[int, Scorecard] = {}
    for newest_card in scope(current_scorecards(organization)).order_by("vendor_id", "-period"):
        newest.setdefault(newest_card.vendor_id, newest_card)
    columns: dict[str, tuple[int, str]] = {}
    standings = []
    for vendor in vendors:
        card = newest.get(vendor.pk)
        cells: dict[str, ScorecardKPI] = {}
        if card is not None:
            for row in card.kpis.all():
                cells[row.kpi_code] = row
                columns.setdefault(row.kpi_code, (row.display_order, row.kpi_name))
        standings.append(VendorStanding(vendor=vendor, scorecard=card, cells=cells))
    kpi_columns = [
        (code, name) for code, (_, name) in sorted(columns.items(), key=lambda c: (c[1][0], c[0]))
    ]
    # Received late: the newest revision has a report, received after its due day (a month
    # with no report at all is missing, listed apart).
    late = list(
        scope(current_scorecards(organization))
        .filter(report_late=True, report__isnull=False)
        .order_by("-period", "vendor")[:12]
    )
    rights = list(
        scope(selectors.termination_rights_for(organization=organization)).filter(
            acknowledged_at__isnull=True
        )
    )
    pending = vendor_selectors.rescoring_vendor_ids(organization_id=organization.pk)
    return Dashboard(
        standings=standings,
        kpi_columns=kpi_columns,
        remediations=list(scope(open_remediations(organization))),
        termination_rights=rights,
        late=late,
        missing=missing_reports(organization, today, scope=scope),
        rescoring=[v for v in vendors if v.pk in pending],
    )


@dataclass
class AdherenceRow:
    """One vendor's SLA adherence per period: KPIs meeting their benchmark / KPIs evaluated."""

    vendor: Vendor
    cells: list[tuple[str, int, int, Decimal | None]]  # period, meeting, evaluated, percent
    breaches: int


def adherence(organization: Organization, periods: list[str]) -> list[AdherenceRow]:
    """SLA adherence by vendor over the periods (percent of evaluated KPIs that meet)."""
    counts: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    rows = ScorecardKPI.objects.filter(
        scorecard__organization=organization,
        scorecard__is_current=True,
        scorecard__period__in=periods,
    ).values_list("scorecard__vendor_id", "scorecard__period", "status")
    for vendor_id, period, status in rows:
        bucket = counts[(vendor_id, period)]
        if status in (Status.MEETS, Status.WATCH, Status.BREACH):
            bucket[1] += 1
            if status == Status.MEETS:
                bucket[0] += 1
        if status == Status.BREACH:
            bucket[2] += 1
    out = []
    for vendor in Vendor.objects.filter(organization=organization).order_by("name"):
        cells = []
        breaches = 0
        for period in periods:
            meeting, evaluated, breached = counts.get((vendor.pk, period), [0, 0, 0])
            breaches += breached
            percent = (
                (Decimal(meeting) * 100 / Decimal(evaluated)).quantize(Decimal("0.1"))
                if evaluated
                else None
            )
            cells.append((period, meeting, evaluated, percent))
        out.append(AdherenceRow(vendor=vendor, cells=cells, breaches=breaches))
    return out


def breach_history(organization: Organization, periods: list[str]) -> QuerySet[ScorecardKPI]:
    """Every breached KPI of a current scorecard in the periods, newest first."""
    return (
        ScorecardKPI.objects.filter(
            scorecard__organization=organization,
            scorecard__is_current=True,
            scorecard__period__in=periods,
            status=Status.BREACH,
        )
        .select_related("scorecard__vendor")
        .order_by("-scorecard__period", "scorecard__vendor__name", "display_order")
    )


def fees_by_month(organization: Organization, periods: list[str]) -> QuerySet[Scorecard]:
    """Current scorecards with their fee and credit, by vendor and period."""
    return (
        Scorecard.objects.filter(organization=organization, is_current=True, period__in=periods)
        .select_related("vendor")
        .order_by("vendor__name", "period")
    )
