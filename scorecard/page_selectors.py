"""The pages' reads, for one organization (the caller has scoped it to the member).

Every read costs what the page shows: a constant number of queries whatever the number of
vendors, months and items; the newest scorecard per vendor by an index probe per vendor, never
the history; lists bounded by ``PAGE_LIST_LIMIT``; never a scorecard's JSON snapshot.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery, Window
from django.db.models.fields.json import KeyTransform
from django.db.models.functions import RowNumber

from scorecard import dashboard_glance as glance
from scorecard import expiries, pricing, selectors
from scorecard.models import (
    Job,
    RemediationItem,
    RemediationStatus,
    Scorecard,
    ScorecardKPI,
    Status,
    TerminationRight,
)
from scorecard.services.evaluation import pricing_terms
from vendors import periods as bd
from vendors import selectors as vendor_selectors
from vendors.models import ColumnAlias, Contract, Organization, Report, Vendor

OPEN_REMEDIATION = [
    s for s in RemediationStatus.values if s not in {RemediationStatus.CLOSED, "waived"}
]


# The member's view of a queryset (``views.base.scoped``: the role policy's ``vendor_scope`` within
# the organization); the identity for internal callers that read a whole organization.
Scope = Callable[[QuerySet[Any]], QuerySet[Any]]


def everything(queryset: QuerySet[Any]) -> QuerySet[Any]:
    """The whole organization (the queryset unchanged)."""
    return queryset


def list_limit() -> int:
    """How many items a page's list shows before its "see all" link (``PAGE_LIST_LIMIT``)."""
    return int(settings.PAGE_LIST_LIMIT)


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


def _newest_card_id() -> Subquery:
    """The id of a vendor's newest current scorecard (one index probe per vendor)."""
    return Subquery(
        Scorecard.objects.filter(vendor_id=OuterRef("pk"), is_current=True)
        .order_by("-period", "-id")
        .values("id")[:1]
    )


def _vendors_with_newest(organization: Organization, scope: Scope = everything) -> list[Vendor]:
    """The organization's vendors (those ``scope`` shows) by name, each annotated with
    ``newest_card_id``."""
    return list(
        scope(Vendor.objects.filter(organization=organization))
        .annotate(newest_card_id=_newest_card_id())
        .order_by("name")
    )


def _newest_cards(vendors: list[Vendor]) -> dict[int, Scorecard]:
    """Each vendor's newest current scorecard with its KPI rows (never the snapshot)."""
    ids = [v.newest_card_id for v in vendors if v.newest_card_id is not None]  # type: ignore[attr-defined]
    cards = (
        Scorecard.objects.filter(pk__in=ids)
        .defer("snapshot")
        .prefetch_related(Prefetch("kpis", queryset=ScorecardKPI.objects.order_by("display_order")))
    )
    return {card.vendor_id: card for card in cards}


def _missing_from_scorecards(
    organization: Organization, per_vendor: int, scope: Scope = everything
) -> dict[int, list[tuple[str, dt.date | None]]]:
    """Per vendor, the newest ``per_vendor`` current scorecards issued without a report, oldest
    first: (period, due day)."""
    rank = Window(RowNumber(), partition_by=F("vendor_id"), order_by=F("period").desc())
    rows = (
        scope(
            Scorecard.objects.filter(
                organization=organization, is_current=True, report__isnull=True
            )
        )
        .annotate(rank=rank)
        .filter(rank__lte=per_vendor)
        .values_list("vendor_id", "period", "report_due_date")
        .order_by("vendor_id", "period")
    )
    out: dict[int, list[tuple[str, dt.date | None]]] = defaultdict(list)
    for vendor_id, period, due in rows:
        out[vendor_id].append((period, due))
    return out


def _reported_unscored(
    organization: Organization, scope: Scope = everything
) -> set[tuple[int, str]]:
    """(vendor, period) of current reports after their vendor's newest current scorecard (the
    reports the daily evaluation has not measured yet)."""
    newest = Subquery(
        Scorecard.objects.filter(vendor_id=OuterRef("vendor_id"), is_current=True)
        .order_by("-period")
        .values("period")[:1]
    )
    return set(
        scope(Report.objects.filter(organization=organization, is_current=True))
        .annotate(newest=newest)
        .filter(Q(newest__isnull=True) | Q(period__gt=F("newest")))
        .values_list("vendor_id", "period")
    )


@dataclass(frozen=True)
class _Unscored:
    """What the periods after a vendor's newest scorecard are checked against."""

    reported: set[tuple[int, str]]
    holidays: frozenset[dt.date]
    today: dt.date
    last_closed: str


def _unscored_missing(
    vendor: Vendor, versions: list[Contract], after: str | None, ctx: _Unscored
) -> list[MissingReport]:
    """Past-due periods after the vendor's newest scorecard (all from its first contract when it
    has none) with a contract in force and no report."""
    first = bd.period_of(versions[0].start_date)
    if after is not None:
        first = max(first, bd.shift_period(after, 1))
    found = []
    for period in bd.periods_between(first, ctx.last_closed):
        first_day, last_day = bd.period_bounds(period)
        contract = vendor_selectors.in_force(versions, first_day=first_day, last_day=last_day)
        if contract is None or (vendor.pk, period) in ctx.reported:
            continue
        due = bd.report_due_date(period, contract.report_due_business_day, ctx.holidays)
        if bd.is_late(ctx.today, due):
            found.append(MissingReport(vendor=vendor, period=period, due=due))
    return found


def missing_reports(
    organization: Organization,
    today: dt.date,
    *,
    per_vendor: int = 3,
    vendors: list[Vendor] | None = None,
    scope: Scope = everything,
) -> list[MissingReport]:
    """Past-due periods of a contract in force with no report, newest first (per vendor, the
    newest ``per_vendor``): those whose newest scorecard revision has no report, and due
    periods the daily evaluation has not measured yet (after the vendor's newest scorecard).

    Reads only what it lists: the newest ``per_vendor`` scorecards without a report per vendor,
    the reports not yet scored, and each vendor's newest scored period."""
    if vendors is None:
        vendors = _vendors_with_newest(organization, scope)
    newest_period = dict(
        Scorecard.objects.filter(
            pk__in=[v.newest_card_id for v in vendors if v.newest_card_id is not None]  # type: ignore[attr-defined]
        ).values_list("vendor_id", "period")
    )
    contracts: dict[int, list[Contract]] = defaultdict(list)
    for c in scope(Contract.objects.filter(organization=organization)).order_by("start_date"):
        contracts[c.vendor_id].append(c)
    carded = _missing_from_scorecards(organization, per_vendor, scope)
    ctx = _Unscored(
        reported=_reported_unscored(organization, scope),
        holidays=vendor_selectors.holidays_of(organization_id=organization.pk),
        today=today,
        last_closed=bd.previous_period(bd.period_of(today)),
    )
    out: list[MissingReport] = []
    for vendor in vendors:
        versions = contracts.get(vendor.pk)
        if not versions:
            continue
        found = [
            MissingReport(vendor=vendor, period=period, due=due)  # type: ignore[arg-type]
            for period, due in carded.get(vendor.pk, [])
        ]
        found += _unscored_missing(vendor, versions, newest_period.get(vendor.pk), ctx)
        out.extend(found[-per_vendor:])
    return sorted(out, key=lambda m: (m.period, m.vendor.name), reverse=True)


@dataclass
class Dashboard:
    """What the dashboard shows for one organization (its lists bounded by ``list_limit``,
    with the full counts for the "see all" links)."""

    standings: list[VendorStanding]
    kpi_columns: list[tuple[str, str]]
    remediations: list[RemediationItem]
    termination_rights: list[TerminationRight]
    late: list[Scorecard]
    missing: list[MissingReport]
    rescoring: list[Vendor] = field(default_factory=list)
    remediations_total: int = 0
    termination_rights_total: int = 0
    # issue 17: each KPI's trend, BAA/assessment expiries, cure deadlines passed
    trends: dict[int, dict[str, glance.Trend]] = field(default_factory=dict)
    expiries: list[expiries.Expiry] = field(default_factory=list)
    overdue_cures: list[RemediationItem] = field(default_factory=list)
    overdue_cures_total: int = 0


def open_remediations(organization: Organization) -> QuerySet[RemediationItem]:
    """Remediation items still open in any way (neither closed nor waived), by deadline."""
    return (
        selectors.remediations_for_organization(organization=organization)
        .filter(status__in=OPEN_REMEDIATION)
        .order_by(F("cure_deadline").asc(nulls_last=True), "id")
    )


def _standings(
    vendors: list[Vendor], newest: dict[int, Scorecard]
) -> tuple[list[VendorStanding], list[tuple[str, str]]]:
    """Each vendor's standing and the KPI columns of the grid (by display order)."""
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
    return standings, kpi_columns


def _days_overdue(items: list[RemediationItem], today: dt.date) -> list[RemediationItem]:
    """The items, each with ``days_overdue``: calendar days since its cure deadline."""
    for item in items:
        item.days_overdue = (today - item.cure_deadline).days  # type: ignore[attr-defined,operator]
    return items


def dashboard(organization: Organization, today: dt.date, scope: Scope = everything) -> Dashboard:
    """Every vendor's newest standing, the vendor x KPI grid and what needs attention, of the
    vendors ``scope`` shows (a vendor user: its own vendor only)."""
    limit = list_limit()
    vendors = _vendors_with_newest(organization, scope)
    newest = _newest_cards(vendors)
    standings, kpi_columns = _standings(vendors, newest)
    # Received late: the newest revision has a report, received after its due day (a month
    # with no report at all is missing, listed apart).
    late = list(
        scope(
            Scorecard.objects.filter(
                organization=organization, is_current=True, report_late=True, report__isnull=False
            )
        )
        .select_related("vendor")
        .defer("snapshot")
        .order_by("-period", "vendor")[:12]
    )
    rights = scope(selectors.termination_rights_for(organization=organization)).filter(
        acknowledged_at__isnull=True
    )
    remediations = scope(open_remediations(organization))
    overdue_cures = remediations.filter(cure_deadline__lt=today)
    pending = vendor_selectors.rescoring_vendor_ids(organization_id=organization.pk)
    return Dashboard(
        standings=standings,
        kpi_columns=kpi_columns,
        remediations=list(remediations[:limit]),
        remediations_total=remediations.count(),
        termination_rights=list(rights[:limit]),
        termination_rights_total=rights.count(),
        late=late,
        missing=missing_reports(organization, today, vendors=vendors, scope=scope),
        rescoring=[v for v in vendors if v.pk in pending],
        trends=glance.trends(newest),
        expiries=expiries.soonest_first(
            [
                e
                for v in vendors
                for e in expiries.vendor_expiries(v, today)
                if e.state in ("expired", "soon")
            ]
        )[:limit],
        overdue_cures=_days_overdue(list(overdue_cures[:limit]), today),
        overdue_cures_total=overdue_cures.count(),
    )


EVALUATED = [Status.MEETS, Status.WATCH, Status.BREACH]


BREACH_COLUMNS = ("kpi_code", "kpi_name", "unit", "status", "value", "benchmark", "warning")


def breach_history(organization: Organization, periods: list[str]) -> QuerySet[ScorecardKPI]:
    """Every breached KPI of a current scorecard in the periods, newest first (only the columns
    shown: the KPI row's figures, the scorecard's period and the vendor's name)."""
    return (
        ScorecardKPI.objects.filter(
            scorecard__organization=organization,
            scorecard__is_current=True,
            scorecard__period__in=periods,
            status=Status.BREACH,
        )
        .select_related("scorecard__vendor")
        .only(*BREACH_COLUMNS, "scorecard__period", "scorecard__vendor__name")
        .order_by("-scorecard__period", "scorecard__vendor__name", "display_order")
    )


FEE_COLUMNS = (
    "id",
    "vendor_id",
    "vendor__name",
    "period",
    "currency",
    "fee",
    "credit",
    "effective_rate",
    "cost_per_claim",
)


def fees_by_month(
    organization: Organization, periods: list[str]
) -> QuerySet[Scorecard, dict[str, Any]]:
    """The fee, credit and rates of the current scorecards in the periods, by vendor and period
    (dicts of ``FEE_COLUMNS`` only)."""
    return (
        Scorecard.objects.filter(organization=organization, is_current=True, period__in=periods)
        .values(*FEE_COLUMNS)
        .order_by("vendor__name", "vendor_id", "period")
    )


@dataclass
class FinanceRow:
    """One vendor's fees and credits: totals over the periods and a cell per period (newest
    first; None when the period has no scorecard)."""

    vendor_id: int
    vendor_name: str
    currency: str
    fee: Decimal = Decimal(0)
    credit: Decimal = Decimal(0)
    cells: dict[str, dict[str, Any]] = field(default_factory=dict)
    ordered: list[dict[str, Any] | None] = field(default_factory=list)

    @property
    def net(self) -> Decimal:
        """Fees less credits."""
        return self.fee - self.credit


def finance_table(organization: Organization, periods: list[str]) -> list[FinanceRow]:
    """Fees and credits by vendor (rows, by name) and month (columns in the order of
    ``periods``), with totals per vendor. Totals are added up here from the exact decimals read
    (SQLite would sum money as binary floats)."""
    rows: dict[int, FinanceRow] = {}
    for cell in fees_by_month(organization, periods):
        row = rows.setdefault(
            cell["vendor_id"],
            FinanceRow(cell["vendor_id"], cell["vendor__name"], cell["currency"]),
        )
        row.cells[cell["period"]] = cell
        row.fee += cell["fee"] or Decimal(0)
        row.credit += cell["credit"] or Decimal(0)
    for row in rows.values():
        row.ordered = [row.cells.get(p) for p in periods]
    return list(rows.values())


# --- One vendor's page ---------------------------------------------------------------------------
VENDOR_PAGE_REPORTS = 60  # report versions shown on a vendor's page, newest first
VENDOR_PAGE_SCORECARDS = 36  # scorecard revisions shown on a vendor's page, newest first


def vendor_newest_period(vendor: Vendor) -> str | None:
    """The newest period with a current scorecard of the vendor, or None."""
    return (
        Scorecard.objects.filter(vendor=vendor, is_current=True)
        .order_by("-period")
        .values_list("period", flat=True)
        .first()
    )


def trend_rows(vendor: Vendor, periods: list[str]) -> dict[str, list[ScorecardKPI]]:
    """KPI rows of the vendor's current scorecards over the periods, by KPI code, oldest first
    (each row's scorecard loaded without its snapshot)."""
    rows: dict[str, list[ScorecardKPI]] = {}
    for row in (
        ScorecardKPI.objects.filter(
            scorecard__vendor=vendor, scorecard__is_current=True, scorecard__period__in=periods
        )
        .select_related("scorecard")
        .defer("scorecard__snapshot")
        .order_by("display_order", "kpi_code", "scorecard__period")
    ):
        rows.setdefault(row.kpi_code, []).append(row)
    return rows


@dataclass
class VendorHistory:
    """A vendor's newest report versions and scorecard revisions, with the full counts."""

    reports: list[Report]
    reports_total: int
    scorecards: list[Scorecard]
    scorecards_total: int


def vendor_history(vendor: Vendor, pdf_variant: str) -> VendorHistory:
    """The newest ``VENDOR_PAGE_REPORTS`` report versions (values, findings, upload) and the
    newest ``VENDOR_PAGE_SCORECARDS`` scorecard revisions (with the PDF jobs of the variant the
    role receives), newest first."""
    reports = Report.objects.filter(vendor=vendor)
    cards = Scorecard.objects.filter(vendor=vendor)
    return VendorHistory(
        reports=list(
            vendor_selectors.with_submitter(reports)
            .prefetch_related("values", "findings")
            .order_by("-period", "-version")[:VENDOR_PAGE_REPORTS]
        ),
        reports_total=reports.count(),
        scorecards=list(
            cards.defer("snapshot")
            # the payers' evidence beside the statement, the one part of the snapshot shown
            .annotate(evidence=KeyTransform("evidence", "snapshot"))
            .select_related("acknowledgement")  # the vendor's answer (disputes app)
            .prefetch_related(
                "disputes__resolved_by",
                "resolved_disputes",
                Prefetch(
                    "jobs",
                    queryset=Job.objects.filter(variant=pdf_variant).order_by("-created_at"),
                ),
            )
            .order_by("-period", "-revision")[:VENDOR_PAGE_SCORECARDS]
        ),
        scorecards_total=cards.count(),
    )


def jobs_with_scorecard() -> QuerySet[Job]:
    """Jobs with their scorecard and vendor (never the scorecard's snapshot), for the job pages
    to scope to the member."""
    return Job.objects.select_related("scorecard__vendor").defer("scorecard__snapshot")


# --- Compare -----------------------------------------------------------------------------------
VOLUME_FIELDS = ("payments", "claims_submitted")


@dataclass
class KPICompare:
    """One KPI of one vendor over the range."""

    name: str
    unit: str
    average: Decimal | None
    latest_status: str
    counts: dict[str, int]


@dataclass
class VendorCompare:
    """One vendor over the range: KPIs, score, fees and volumes."""

    vendor: Vendor
    periods: list[str] = field(default_factory=list)
    kpis: dict[str, KPICompare] = field(default_factory=dict)
    score: Decimal | None = None
    fee: Decimal | None = None
    payments: Decimal | None = None
    claims: Decimal | None = None
    effective_rate: Decimal | None = None
    cost_per_claim: Decimal | None = None
    what_if: list[pricing.WhatIf | None] = field(default_factory=list)
    currency: str = "USD"


def _volumes(card: Scorecard) -> dict[str, Decimal | None]:
    """The period's payments and claims, as frozen in the scorecard snapshot by evaluation."""
    snap = card.snapshot or {}
    return {
        name: Decimal(str(snap[name])) if snap.get(name) not in (None, "") else None
        for name in VOLUME_FIELDS
    }


def _sum(values: list[Decimal | None]) -> Decimal | None:
    known = [v for v in values if v is not None]
    return sum(known, Decimal(0)) if known else None


def _pricing_options(vendors: list[Vendor]) -> list[tuple[Vendor, Contract]]:
    """The pricing alternatives: each chosen vendor's newest contract version (one query)."""
    newest: dict[int, Contract] = {}
    for contract in Contract.objects.filter(vendor__in=vendors).order_by(
        "vendor_id", "-start_date", "-version"
    ):
        newest.setdefault(contract.vendor_id, contract)
    return [(v, newest[v.pk]) for v in vendors if v.pk in newest]


def _kpis_over(
    row: VendorCompare, mine: list[Scorecard], columns: dict[str, tuple[int, str]]
) -> None:
    """Each KPI's average, newest status and status counts over the vendor's scorecards."""
    values: dict[str, list[Decimal]] = defaultdict(list)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    latest: dict[str, tuple[str, str, str]] = {}
    for card in mine:
        row.currency = card.currency
        for k in card.kpis.all():
            columns.setdefault(k.kpi_code, (k.display_order, k.kpi_name))
            if k.value is not None and k.status in EVALUATED:
                values[k.kpi_code].append(k.value)
            counts[k.kpi_code][k.status] += 1
            latest[k.kpi_code] = (k.kpi_name, k.unit, k.status)
    for code, (name, unit, status) in latest.items():
        got = values.get(code, [])
        row.kpis[code] = KPICompare(
            name=name,
            unit=unit,
            average=sum(got, Decimal(0)) / len(got) if got else None,
            latest_status=status,
            counts=dict(counts[code]),
        )


def compare_vendors(
    vendors: list[Vendor], periods: list[str]
) -> tuple[list[VendorCompare], list[tuple[str, str]], list[tuple[Vendor, Contract]]]:
    """Each vendor's figures over the periods and its volumes priced under every vendor's terms
    (``pricing.what_if_over_periods``)."""
    cards = list(
        Scorecard.objects.filter(vendor__in=vendors, is_current=True, period__in=periods)
        .select_related("contract")
        .prefetch_related("kpis")
        .order_by("period")
    )
    options = _pricing_options(vendors)
    columns: dict[str, tuple[int, str]] = {}
    out = []
    for vendor in vendors:
        mine = [c for c in cards if c.vendor_id == vendor.pk]
        row = VendorCompare(vendor=vendor, periods=[c.period for c in mine])
        _kpis_over(row, mine, columns)
        scores = [c.overall_score for c in mine if c.overall_score is not None]
        row.score = sum(scores, Decimal(0)) / len(scores) if scores else None
        row.fee = _sum([c.fee for c in mine])
        period_volumes = [_volumes(c) for c in mine]
        row.payments = _sum([v.get("payments") for v in period_volumes])
        row.claims = _sum([v.get("claims_submitted") for v in period_volumes])
        row.effective_rate = pricing.effective_rate(row.fee, row.payments)
        row.cost_per_claim = pricing.cost_per_claim(row.fee, row.claims)
        volumes = [(v.get("payments"), v.get("claims_submitted")) for v in period_volumes]
        row.what_if = [
            pricing.what_if_over_periods(
                pricing_terms(contract),
                volumes,
                payments=row.payments,
                claims_submitted=row.claims,
            )
            for _, contract in options
        ]
        out.append(row)
    kpi_columns = [
        (code, name) for code, (_, name) in sorted(columns.items(), key=lambda c: (c[1][0], c[0]))
    ]
    return out, kpi_columns, options


def column_aliases_of(vendor: Vendor) -> QuerySet[ColumnAlias]:
    """A vendor's column aliases by header (the aliases page)."""
    return ColumnAlias.objects.filter(vendor=vendor).order_by("header")
