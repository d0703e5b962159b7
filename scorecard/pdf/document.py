"""What the PDF scorecard says: plain template data built from a scorecard and its history.

Pure formatting: rows and numbers in, strings and dicts out; no queries, no settings, no now()
(the caller passes the render time). Percent values are shown as percent (95.0 %), money with its
currency, rounded half-up to cents only here, when shown.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from scorecard.models import REPORT_MISSING, at_risk_text
from vendors.periods import period_bounds

UNIT_SUFFIX = {
    "percent": " %",
    "days": " days",
    "hours": " h",
    "business_days": " business days",
    "count": "",
    "currency": "",
}
UNIT_AXIS = {
    "percent": "percent",
    "days": "days",
    "hours": "hours",
    "business_days": "business days",
    "count": "count",
    "currency": "amount",
}
# Word, symbol and CSS class of each status: the word and the symbol carry the meaning, the
# colour only repeats it (the page must read the same printed in greyscale).
STATUS_LOOK = {
    "meets": ("meets", "\u2713", "st-meets"),
    "watch": ("watch", "\u25b2", "st-watch"),
    "breach": ("breach", "\u2715", "st-breach"),
    "insufficient_data": ("insufficient data", "\u25cb", "st-nodata"),
    "not_reported": ("not reported", "?", "st-nodata"),
}
PRICING_LABEL = {
    "percent_of_collections": "Percent of collections",
    "per_claim": "Per claim",
    "flat_monthly": "Flat monthly fee",
}
CURRENCY_SYMBOL = {"USD": "$", "EUR": "\u20ac", "GBP": "\u00a3", "CAD": "CA$", "AUD": "A$"}
CENT = Decimal("0.01")
TENTH = Decimal("0.1")


def period_label(period: str) -> str:
    """'2026-10' as 'October 2026'."""
    year, month = period.split("-")
    return f"{calendar.month_name[int(month)]} {year}"


def _as_decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def money(amount: Any, currency: str) -> str:
    """An amount with its currency, rounded half-up to cents: '$21,345.50'."""
    value = _as_decimal(amount)
    if value is None:
        return "\u2014"
    value = value.quantize(CENT, rounding=ROUND_HALF_UP)
    sign = "\u2212" if value < 0 else ""
    symbol = CURRENCY_SYMBOL.get(currency)
    text = f"{abs(value):,.2f}"
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{currency}\u00a0{text}"


def number(value: Any, places: Decimal = TENTH) -> str:
    """A number rounded half-up for display, with thousands separators."""
    dec = _as_decimal(value)
    if dec is None:
        return "\u2014"
    dec = dec.quantize(places, rounding=ROUND_HALF_UP)
    return f"{dec:,}"


def with_unit(value: Any, unit: str) -> str:
    """A KPI value with its unit: '95.2 %', '41.0 days'."""
    if _as_decimal(value) is None:
        return "\u2014"
    places = Decimal(1) if unit == "count" else TENTH
    return number(value, places) + UNIT_SUFFIX.get(unit, f" {unit}").replace(" ", "\u00a0", 1)


def target(value: Any, unit: str, direction: str) -> str:
    """A threshold with the side that is good: '\u2265 95.0 %' or '\u2264 8.0 %'."""
    sign = "\u2265" if direction == "higher" else "\u2264"
    return f"{sign}\u00a0{with_unit(value, unit)}"


def status_look(status: str) -> dict[str, str]:
    """Word, symbol and CSS class of a status."""
    word, symbol, css = STATUS_LOOK.get(status, (status.replace("_", " "), "\u2022", "st-nodata"))
    return {"word": word, "symbol": symbol, "css": css, "code": status}


def kpi_row(kpi: Any) -> dict[str, Any]:
    """One KPI table row: value, stated versus recomputed where they differ, thresholds, status."""
    stated = _as_decimal(kpi.stated_value)
    recomputed = _as_decimal(kpi.recomputed_value)
    # Shown only when the difference survives rounding for display: "stated 85.2 / recomputed
    # 85.2" would tell the reader nothing.
    differs = (
        stated is not None
        and recomputed is not None
        and with_unit(stated, kpi.unit) != with_unit(recomputed, kpi.unit)
    )
    return {
        "code": kpi.kpi_code,
        "name": kpi.kpi_name,
        "unit": kpi.unit,
        "unit_label": UNIT_AXIS.get(kpi.unit, kpi.unit),
        "direction": kpi.direction,
        "direction_label": "higher is better" if kpi.direction == "higher" else "lower is better",
        "formula": kpi.formula,
        "source": kpi.source,
        "value": with_unit(kpi.value, kpi.unit),
        "stated": with_unit(stated, kpi.unit) if differs else "",
        "recomputed": with_unit(recomputed, kpi.unit) if differs else "",
        "differs": differs,
        "benchmark": target(kpi.benchmark, kpi.unit, kpi.direction),
        "warning": target(kpi.warning, kpi.unit, kpi.direction),
        "benchmark_plain": with_unit(kpi.benchmark, kpi.unit),
        "warning_plain": with_unit(kpi.warning, kpi.unit),
        "weight": number(kpi.weight, Decimal(1)),
        "points": number(kpi.points, TENTH),
        "status": status_look(kpi.status),
        "change": _change(kpi),
        # The early warning beside the status (its text, or "" when not at risk).
        "at_risk": at_risk_text(kpi.projected_breach_period) if kpi.at_risk else "",
    }


def _change(kpi: Any) -> str:
    change = _as_decimal(getattr(kpi, "change", None))
    if change is None:
        return ""
    places = Decimal(1) if kpi.unit == "count" else TENTH
    change = change.quantize(places, rounding=ROUND_HALF_UP)
    if change == 0:
        return "no change"
    sign = "+" if change > 0 else "\u2212"
    suffix = " pts" if kpi.unit == "percent" else UNIT_SUFFIX.get(kpi.unit, "")
    return f"{sign}{abs(change):,}{suffix}"


def pricing_lines(contract: Mapping[str, Any], currency: str) -> list[tuple[str, str]]:
    """The contract's pricing model and its parameters, as label/value pairs."""
    model = contract.get("pricing_model") or ""
    lines = [("Pricing model", PRICING_LABEL.get(model, model.replace("_", " ") or "\u2014"))]
    if model == "percent_of_collections":
        lines.append(
            ("Rate", f"{number(contract.get('percent_of_collections'), CENT)} % of payments")
        )
    elif model == "per_claim":
        lines.append(("Fee per claim", money(contract.get("fee_per_claim"), currency)))
    elif model == "flat_monthly":
        lines.append(("Monthly fee", money(contract.get("flat_monthly_fee"), currency)))
    if _as_decimal(contract.get("monthly_minimum")) is not None:
        lines.append(("Monthly minimum", money(contract.get("monthly_minimum"), currency)))
    if _as_decimal(contract.get("monthly_maximum")) is not None:
        lines.append(("Monthly maximum", money(contract.get("monthly_maximum"), currency)))
    return lines


def finding_lines(findings: Iterable[Any]) -> list[dict[str, str]]:
    """Findings as {code, field, message}, whatever their stored shape (dict or string)."""
    out = []
    for finding in findings:
        if isinstance(finding, Mapping):
            out.append(
                {
                    "code": str(finding.get("code", "")).replace("_", " "),
                    "field": str(finding.get("field", "") or ""),
                    "message": str(finding.get("message", "")),
                }
            )
        else:
            out.append({"code": "", "field": "", "message": str(finding)})
    return out


def remediation_lines(items: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Remediation items as display strings, earliest cure deadline first."""

    def deadline_key(item: Mapping[str, Any]) -> str:
        return str(item.get("cure_deadline") or "9999-12-31")

    out = []
    for item in sorted(items, key=deadline_key):
        deadline = item.get("cure_deadline")
        if isinstance(deadline, str) and deadline:
            deadline = dt.date.fromisoformat(deadline[:10])
        out.append(
            {
                "kpi": str(item.get("kpi_name") or item.get("kpi") or ""),
                "kind": str(item.get("kind_label") or item.get("kind", "")).replace("_", " "),
                "status": str(item.get("status", "")).replace("_", " "),
                "opened": period_label(item["opened_period"]) if item.get("opened_period") else "",
                "deadline": deadline.strftime("%-d %B %Y") if deadline else "\u2014",
                "deadline_iso": deadline.isoformat() if deadline else "",
            }
        )
    return out


def evidence_lines(snapshot: Mapping[str, Any] | None) -> list[dict[str, str]]:
    """Per KPI the stated, recomputed and evidence (835) values and which one was evaluated."""
    evidence = (snapshot or {}).get("evidence") or {}
    return [
        {
            "kpi": code,
            "stated": row.get("stated") or "\u2014",
            "recomputed": row.get("recomputed") or "\u2014",
            "evidence": row.get("evidence") or "\u2014",
            "evaluated": row.get("evaluated", "report"),
        }
        for code, row in (evidence.get("kpis") or {}).items()
    ]


def document_context(
    *,
    scorecard: Any,
    kpis: Sequence[Any],
    contract: Mapping[str, Any],
    remediations: Iterable[Mapping[str, Any]],
    charts: Mapping[str, str],
    generated_at: dt.datetime,
    page_size: str = "A4",
    with_money: bool = True,
) -> dict[str, Any]:
    """Everything the template shows, as strings (charts are data URIs keyed by KPI code).

    The findings and the evidence come from the scorecard's snapshot. Without ``with_money``
    the fee, credit, net, amount at risk, rates and prices are not in the context at all (the
    role policy's PDF without money), so no template can show them.
    """
    currency = scorecard.currency
    rows = [kpi_row(k) for k in kpis]
    for row in rows:
        row["chart"] = charts.get(row["code"], "")
    counts = {code: 0 for code in STATUS_LOOK}
    for k in kpis:
        counts[k.status] = counts.get(k.status, 0) + 1
    fee = _as_decimal(scorecard.fee)
    credit = _as_decimal(scorecard.credit)
    at_risk_percent = _as_decimal(contract.get("at_risk_percent"))
    at_risk = (
        fee * at_risk_percent / 100 if fee is not None and at_risk_percent is not None else None
    )
    net = fee - (credit or 0) if fee is not None else None
    start, end = period_bounds(scorecard.period)
    context = {
        "show_money": with_money,
        "page_size": page_size,
        "organization": scorecard.organization.name,
        "vendor": scorecard.vendor.name,
        "period": scorecard.period,
        "period_label": period_label(scorecard.period),
        "period_start": start,
        "period_end": end,
        "revision": scorecard.revision,
        "scorecard_id": scorecard.pk,
        "issued_at": scorecard.issued_at,
        "generated_at": generated_at,
        "score": number(scorecard.overall_score, TENTH)
        if scorecard.overall_score is not None
        else "\u2014",
        "score_pct": float(scorecard.overall_score or 0),
        "standing": scorecard.standing or "Not rated",
        "standing_css": "standing-" + (scorecard.standing or "none").lower().replace(" ", "-"),
        "counts": [
            {"look": status_look(code), "count": counts.get(code, 0)}
            for code in STATUS_LOOK
            if counts.get(code, 0) or code in ("meets", "watch", "breach")
        ],
        "kpis": rows,
        "contract_lines": _contract_lines(contract),
        "pricing_lines": pricing_lines(contract, currency),
        "findings": finding_lines(
            (getattr(scorecard, "snapshot", None) or {}).get("findings") or []
        ),
        "evidence": evidence_lines(getattr(scorecard, "snapshot", None)),
        "remediations": remediation_lines(remediations),
        "fee": money(fee, currency),
        "credit": money(
            credit if credit is not None else (0 if fee is not None else None), currency
        ),
        "at_risk": money(at_risk, currency),
        "at_risk_percent": number(at_risk_percent, CENT) if at_risk_percent is not None else "",
        "net_fee": money(net, currency),
        "effective_rate": (
            f"{number(scorecard.effective_rate, CENT)} % of payments"
            if scorecard.effective_rate is not None
            else "\u2014"
        ),
        "cost_per_claim": money(scorecard.cost_per_claim, currency),
        "report_late": scorecard.report_late,
        # No report by its due day: labelled missing, never "received late".
        "report_missing": scorecard.report_status == REPORT_MISSING,
        "report_due_date": scorecard.report_due_date,
        "report_received_at": scorecard.report.received_at if scorecard.report_id else None,
        "breached": [r for r in rows if r["status"]["code"] == "breach"],
    }
    if not with_money:
        for key in MONEY_KEYS:
            del context[key]
    return context


MONEY_KEYS = (
    "pricing_lines",
    "fee",
    "credit",
    "at_risk",
    "at_risk_percent",
    "net_fee",
    "effective_rate",
    "cost_per_claim",
)


def _contract_lines(contract: Mapping[str, Any]) -> list[tuple[str, str]]:
    lines = []
    version = contract.get("version")
    if version:
        lines.append(("Contract version", f"v{version}"))
    start = contract.get("start_date")
    end = contract.get("end_date")
    if start:
        lines.append(("Term", f"{_date(start)} \u2013 {_date(end) if end else 'open-ended'}"))
    if contract.get("at_risk_percent") not in (None, ""):
        lines.append(("Fee at risk", f"{number(contract['at_risk_percent'], CENT)} %"))
    if contract.get("cure_period_days") not in (None, ""):
        lines.append(("Cure period", f"{contract['cure_period_days']} calendar days"))
    if contract.get("report_due_business_day") not in (None, ""):
        lines.append(("Report due", f"business day {contract['report_due_business_day']}"))
    return lines


def _date(value: Any) -> str:
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return value.strftime("%-d %b %Y")
