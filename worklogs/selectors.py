"""Reads of the denial-work measures (``DenialWorkMeasures``) for the page, the PDF and the API.

Every read is scoped by the caller (the page's ``get_scoped`` vendor, the API's
``scope_for_user``) and costs a fixed number of queries: one for the month's measures, one for
the twelve-month trend. The lists a page shows are cut to fixed bounds here, whatever the log
holds. Measures are those of the month's current log (a corrected log supersedes the old one).

Formatting (docs/definitions.md, "Denial work pages"): rates are percents with one decimal
(``92.5 %``), money is integer cents shown as dollars with two decimals (``$1,234.56``, the
835's currency), times are business days with one decimal; a value without a denominator is a
dash, never zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import QuerySet

from vendors import periods as bd
from vendors.models import Vendor
from vendors.selectors import scope_for_user
from worklogs.models import DenialWorkMeasures

DASH = "\u2014"
TREND_MONTHS = 12
OVERDUE_SHOWN = 25  # the page's overdue list: the largest values first
OVERDUE_PDF = 10  # the PDF's top overdue
BACKLOG_SHOWN = 15  # payers in the backlog table
AGEING_SHOWN = 12  # reasons in the ageing chart and table
AGE_BUCKETS = ("0-30", "31-60", "61-90", "90+")

# The four SLA adherence rates charted over twelve months, with the milestone each one measures
# against (keys of ``DenialWorkMeasures.milestones``).
SLA_RATES = (
    ("first_touch_within_sla_rate", "First touch", "first_touch_days"),
    ("follow_up_within_sla_rate", "Follow-up", "follow_up_days"),
    ("appeal_within_deadline_rate", "Appeal", "appeal_days"),
    ("resolution_within_sla_rate", "Resolution", "resolution_days"),
)
DEFAULT_MILESTONES = {"first_touch_days": 1, "follow_up_days": 7, "appeal_days": 20}
MILESTONE_LABELS = {
    "first_touch": "first touch",
    "follow_up": "follow-up",
    "appeal": "appeal",
    "resolution": "resolution",
}

# Units of the API payload, by field.
UNITS = {
    "denials_received": "count",
    "denials_open_at_end": "count",
    "denials_resolved": "count",
    "first_touch_within_sla_rate": "percent",
    "first_touch_median_days": "business_days",
    "first_touch_p90_days": "business_days",
    "follow_up_within_sla_rate": "percent",
    "appeals": "count",
    "appeal_within_deadline_rate": "percent",
    "resolution_within_sla_rate": "percent",
    "touches_per_denial": "touches",
    "rework_rate": "percent",
    "minutes_per_denial": "minutes",
    "overdue_count": "count",
    "overdue_value_cents": "cents",
    "overdue_top_decile_share": "percent",
    "denied_cents": "cents",
    "recovered_cents": "cents",
    "recovery_yield_rate": "percent",
    "overturn_rate": "percent",
}
DECIMAL_FIELDS = frozenset(k for k, unit in UNITS.items() if unit not in ("count", "cents"))


def rate_text(value: Decimal | int | str | None) -> str:
    """A percent with one decimal, rounded half up (``92.5 %``); a dash for none."""
    if value is None or value == "":
        return DASH
    return f"{Decimal(value).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)} %"


def days_text(value: Decimal | str | None) -> str:
    """Business days with one decimal; a dash for none."""
    if value is None or value == "":
        return DASH
    return f"{Decimal(value).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)} days"


def money_text(cents: int | None) -> str:
    """Integer cents as dollars (``$1,234.56``); a dash for none. No float on the way."""
    if cents is None:
        return DASH
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(int(cents)), 100)
    return f"{sign}${whole:,}.{part:02d}"


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def current_measures(vendor_id: int, period: str) -> DenialWorkMeasures | None:
    """The measures of the vendor-month's current log, or None (one query)."""
    return (
        DenialWorkMeasures.objects.filter(vendor_id=vendor_id, period=period, log__is_current=True)
        .select_related("log", "vendor")
        .first()
    )


def milestone_lines(measures: DenialWorkMeasures) -> list[dict[str, str]]:
    """The headline rates beside the milestones they measure against."""
    given = measures.milestones if isinstance(measures.milestones, Mapping) else {}
    lines = []
    for name, label, key in SLA_RATES:
        days = given.get(key, given.get(key.removesuffix("_days"), DEFAULT_MILESTONES.get(key)))
        if key == "follow_up_days":
            rule = f"every {days} business days while open" if days else DASH
        elif days:
            rule = f"within {days} business days"
        else:
            rule = "by the contract's resolution target" if key == "resolution_days" else DASH
        lines.append({"label": label, "rate": rate_text(getattr(measures, name)), "rule": rule})
    return lines


def ageing_rows(measures: DenialWorkMeasures, limit: int = AGEING_SHOWN) -> list[dict[str, Any]]:
    """The open denials at month end by reason and age bucket, largest value first (bounded)."""
    rows = sorted(
        (r for r in (measures.ageing or []) if isinstance(r, Mapping)),
        key=lambda r: (-_int(r.get("value_cents")), str(r.get("reason", ""))),
    )
    out = []
    for r in rows[:limit]:
        buckets = [_int(r.get(b)) for b in AGE_BUCKETS]
        out.append(
            {
                "reason": str(r.get("reason", "")),
                "buckets": buckets,
                "total": sum(buckets),
                "value": money_text(_int(r.get("value_cents"))),
            }
        )
    return out


def backlog_rows(measures: DenialWorkMeasures, limit: int = BACKLOG_SHOWN) -> list[dict[str, Any]]:
    """Open denials by payer, largest value first (bounded)."""
    rows = sorted(
        (r for r in (measures.backlog_by_payer or []) if isinstance(r, Mapping)),
        key=lambda r: (-_int(r.get("value_cents")), str(r.get("payer", ""))),
    )
    return [
        {
            "payer": str(r.get("payer", "")),
            "count": _int(r.get("count")),
            "value": money_text(_int(r.get("value_cents"))),
        }
        for r in rows[:limit]
    ]


def overdue_rows(measures: DenialWorkMeasures, limit: int = OVERDUE_SHOWN) -> list[dict[str, Any]]:
    """The overdue queue, largest value first (ties: most days overdue), bounded."""
    rows = sorted(
        (r for r in (measures.overdue or []) if isinstance(r, Mapping)),
        key=lambda r: (
            -_int(r.get("amount_cents")),
            -_int(r.get("days_overdue")),
            str(r.get("denial_id", "")),
        ),
    )
    return [
        {
            "denial_id": str(r.get("denial_id", "")),
            "claim_id": str(r.get("claim_id", "")),
            "payer": str(r.get("payer", "")),
            "reason": str(r.get("reason", "")),
            "amount": money_text(_int(r.get("amount_cents"))),
            "received_on": str(r.get("received_on", "")),
            "milestone": MILESTONE_LABELS.get(
                str(r.get("milestone", "")), str(r.get("milestone", "")).replace("_", " ")
            ),
            "days_overdue": _int(r.get("days_overdue")),
        }
        for r in rows[:limit]
    ]


def claim_match_lines(measures: DenialWorkMeasures) -> list[tuple[str, str]]:
    """The 835 match as label and value lines (its scalar entries, cents as money)."""
    match = measures.claim_match
    if not isinstance(match, Mapping):
        return []
    lines = []
    for key, value in match.items():
        if isinstance(value, bool) or not isinstance(value, (int, str, Decimal)):
            continue
        label = str(key).removesuffix("_cents").removesuffix("_rate").replace("_", " ")
        if str(key).endswith("_cents"):
            text = money_text(_int(value))
        elif str(key).endswith(("_rate", "_share")):
            text = rate_text(value)
        else:
            text = str(value)
        lines.append((label.capitalize(), text))
    return lines


@dataclass
class TrendPoint:
    """One month of the SLA adherence chart (rates as Decimal percents, None when none)."""

    period: str
    rates: dict[str, Decimal | None] = field(default_factory=dict)


def sla_trend(vendor_id: int, period: str, months: int = TREND_MONTHS) -> list[TrendPoint]:
    """The four SLA adherence rates over the ``months`` ending with ``period`` (one query);
    a month without a log has no rates."""
    periods = bd.periods_ending(period, months)
    names = [name for name, _, _ in SLA_RATES]
    rows = {
        row["period"]: row
        for row in DenialWorkMeasures.objects.filter(
            vendor_id=vendor_id, period__in=periods, log__is_current=True
        )
        .order_by()
        .values("period", *names)
    }
    return [TrendPoint(p, {n: (rows[p][n] if p in rows else None) for n in names}) for p in periods]


@dataclass
class DenialWorkPage:
    """What the denial-work page shows for one vendor-month."""

    vendor: Vendor
    period: str
    measures: DenialWorkMeasures | None
    trend: list[TrendPoint]

    @property
    def has_trend(self) -> bool:
        return any(v is not None for p in self.trend for v in p.rates.values())


def denial_work_page(vendor: Vendor, period: str) -> DenialWorkPage:
    """The page's reads: two queries whatever the history or the log's size."""
    return DenialWorkPage(
        vendor=vendor,
        period=period,
        measures=current_measures(vendor.pk, period),
        trend=sla_trend(vendor.pk, period),
    )


# --- API --------------------------------------------------------------------------------------
def denial_work_list(*, user: Any) -> QuerySet[DenialWorkMeasures]:
    """Measures of current logs the user may see (vendor users: their own vendor's)."""
    return scope_for_user(
        DenialWorkMeasures.objects.filter(log__is_current=True).select_related("vendor", "log"),
        user,
    )


def _api_value(name: str, value: Any) -> Any:
    if value is None:
        return None
    return str(value) if name in DECIMAL_FIELDS else int(value)


def measures_payload(measures: DenialWorkMeasures) -> dict[str, Any]:
    """The measures as the API gives them: decimals as strings, money as integer cents, counts
    as integers, each field's unit in ``units``; lists as stored (bounded by the measures)."""
    return {
        "id": measures.pk,
        "vendor": measures.vendor.slug,
        "period": measures.period,
        "log": measures.log_id,
        "log_version": measures.log.version,
        "computed_at": measures.computed_at.isoformat(),
        "milestones": measures.milestones,
        **{name: _api_value(name, getattr(measures, name)) for name in UNITS},
        "ageing": measures.ageing,
        "backlog_by_payer": measures.backlog_by_payer,
        "overdue": measures.overdue,
        "claim_match": measures.claim_match,
        "units": UNITS,
    }


def denial_work_payloads(
    pairs: Iterable[tuple[int, str]],
) -> dict[tuple[int, str], dict[str, Any]]:
    """The measures of these vendor-months as the API gives them (one query for a page)."""
    wanted = set(pairs)
    if not wanted:
        return {}
    rows = DenialWorkMeasures.objects.filter(
        vendor_id__in={v for v, _ in wanted},
        period__in={p for _, p in wanted},
        log__is_current=True,
    ).select_related("log", "vendor")
    return {
        (m.vendor_id, m.period): measures_payload(m)
        for m in rows
        if (m.vendor_id, m.period) in wanted
    }


def denial_work_payload(vendor_id: int, period: str) -> dict[str, Any] | None:
    """The vendor-month's measures as the API gives them, or None (one query)."""
    measures = current_measures(vendor_id, period)
    return None if measures is None else measures_payload(measures)
