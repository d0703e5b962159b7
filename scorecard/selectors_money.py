"""Finance and compliance reads (issue #17): this month's cards, totals, the fees chart and the
compliance heat map coloured by the worst status of the month.

Counts and amounts come from the database (one aggregate query per table); totals are added up
here from the exact decimals read (SQLite would sum money as binary floats).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q

from scorecard.models import ScorecardKPI, Status
from scorecard.page_selectors import EVALUATED, FinanceRow
from vendors.models import Organization, Vendor

ZERO = Decimal(0)

# The heat map's colour: the worst evaluated status of the month (breach > watch > meets).
WORST_FIRST = (Status.BREACH, Status.WATCH, Status.MEETS)


@dataclass(frozen=True)
class HeatCell:
    """One vendor-month of the heat map: its worst status (None: nothing evaluated) and counts."""

    period: str
    worst: str | None
    meeting: int
    evaluated: int
    breached: int
    watching: int

    @property
    def percent(self) -> Decimal | None:
        """Share of evaluated KPIs that meet, in percent to one decimal (None: none evaluated)."""
        if not self.evaluated:
            return None
        return (Decimal(self.meeting) * 100 / Decimal(self.evaluated)).quantize(Decimal("0.1"))

    @property
    def worst_label(self) -> str:
        """The worst status as people read it."""
        return Status(self.worst).label if self.worst else "nothing evaluated"


@dataclass(frozen=True)
class HeatRow:
    """One vendor's heat-map cells in the order of the periods asked, and its breach count."""

    vendor: Vendor
    cells: list[HeatCell]

    @property
    def breaches(self) -> int:
        """Breached KPIs over the periods."""
        return sum(c.breached for c in self.cells)


def _worst(breached: int, watching: int, meeting: int) -> str | None:
    for status, count in zip(WORST_FIRST, (breached, watching, meeting), strict=True):
        if count:
            return str(status)
    return None


def heat_map(organization: Organization, periods: list[str]) -> list[HeatRow]:
    """Every vendor (by name) over the periods: per month the worst status of its current
    scorecard's KPIs and the counts, counted in the database (one query, plus the vendors)."""
    counts = {
        (row["scorecard__vendor_id"], row["scorecard__period"]): row
        for row in ScorecardKPI.objects.filter(
            scorecard__organization=organization,
            scorecard__is_current=True,
            scorecard__period__in=periods,
        )
        .values("scorecard__vendor_id", "scorecard__period")
        .annotate(
            meeting=Count("id", filter=Q(status=Status.MEETS)),
            evaluated=Count("id", filter=Q(status__in=EVALUATED)),
            breached=Count("id", filter=Q(status=Status.BREACH)),
            watching=Count("id", filter=Q(status=Status.WATCH)),
        )
        .order_by()
    }
    empty = {"meeting": 0, "evaluated": 0, "breached": 0, "watching": 0}
    rows = []
    for vendor in Vendor.objects.filter(organization=organization).order_by("name"):
        cells = []
        for period in periods:
            got = counts.get((vendor.pk, period), empty)
            cells.append(
                HeatCell(
                    period=period,
                    worst=_worst(got["breached"], got["watching"], got["meeting"]),
                    meeting=got["meeting"],
                    evaluated=got["evaluated"],
                    breached=got["breached"],
                    watching=got["watching"],
                )
            )
        rows.append(HeatRow(vendor=vendor, cells=cells))
    return rows


@dataclass
class MonthTotal:
    """Fees and credits of every vendor in one month and currency."""

    period: str
    fee: Decimal = ZERO
    credit: Decimal = ZERO
    scorecards: int = 0

    @property
    def net(self) -> Decimal:
        """Fees less credits: what is payable."""
        return self.fee - self.credit


@dataclass
class CurrencyTotals:
    """One currency's totals: per month (in the order of the periods) and over all of them."""

    currency: str
    months: list[MonthTotal] = field(default_factory=list)

    @property
    def fee(self) -> Decimal:
        """Fees over the periods."""
        return sum((m.fee for m in self.months), ZERO)

    @property
    def credit(self) -> Decimal:
        """Credits over the periods."""
        return sum((m.credit for m in self.months), ZERO)

    @property
    def net(self) -> Decimal:
        """Net payable over the periods."""
        return self.fee - self.credit

    @property
    def newest(self) -> MonthTotal:
        """The newest month (the periods are newest first)."""
        return self.months[0]


def currency_totals(rows: list[FinanceRow], periods: list[str]) -> list[CurrencyTotals]:
    """The finance table's totals row(s): per currency (by code), per month and overall."""
    by_currency: dict[str, dict[str, MonthTotal]] = {}
    for row in rows:
        months = by_currency.setdefault(row.currency, {p: MonthTotal(p) for p in periods})
        for period, cell in row.cells.items():
            month = months[period]
            month.fee += cell["fee"] or ZERO
            month.credit += cell["credit"] or ZERO
            month.scorecards += 1
    return [
        CurrencyTotals(currency, [months[p] for p in periods])
        for currency, months in sorted(by_currency.items())
    ]


@dataclass(frozen=True)
class Bar:
    """One bar of the fees-and-credits chart (SVG user units)."""

    x: int
    y: int
    height: int
    kind: str  # "fee" or "credit"
    amount: Decimal


@dataclass
class Chart:
    """The twelve months' fees and credits of one currency as an inline SVG, oldest left."""

    currency: str
    width: int
    height: int
    top: Decimal
    bars: list[Bar]
    labels: list[tuple[int, str]]  # x of the month's centre, period


CHART_HEIGHT = 160  # plot height
CHART_SLOT = 56  # width of one month (two bars and a gap)
CHART_BAR = 20
CHART_LEFT = 8


def fees_chart(totals: CurrencyTotals) -> Chart:
    """The bars of a currency's fees and credits per month, scaled to the largest fee."""
    months = list(reversed(totals.months))  # a time axis reads oldest to newest
    top = max([m.fee for m in months] + [m.credit for m in months] + [Decimal(1)])
    bars: list[Bar] = []
    labels: list[tuple[int, str]] = []
    for i, month in enumerate(months):
        left = CHART_LEFT + i * CHART_SLOT
        for offset, kind, amount in ((0, "fee", month.fee), (CHART_BAR, "credit", month.credit)):
            height = int((amount / top * CHART_HEIGHT).to_integral_value())
            bars.append(Bar(left + offset, CHART_HEIGHT - height, height, kind, amount))
        labels.append((left + CHART_BAR, month.period))
    width = CHART_LEFT * 2 + CHART_SLOT * len(months)
    return Chart(totals.currency, width, CHART_HEIGHT + 28, top, bars, labels)
