"""Template helpers of the pages: status pills, numbers with their units, money."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import template
from django.utils.html import format_html

from scorecard.models import Status, at_risk_text
from scorecard.pdf.document import UNIT_SUFFIX  # one spelling of units for pages and PDFs

register = template.Library()
DASH = "\u2013"  # an en dash stands for "no value"


@register.simple_tag
def status_pill(status: str | None) -> str:
    """A status word in its colour (the word is always there; colour is never the only cue)."""
    if not status:
        return format_html('<span class="status status-none">no scorecard</span>')
    word = Status(status).label if status in Status.values else status.replace("_", " ")
    return format_html('<span class="status status-{}">{}</span>', status, word)


@register.simple_tag
def at_risk_flag(row: Any) -> str:
    """The early-warning flag beside a KPI row's status (nothing unless the row is at risk)."""
    if not getattr(row, "at_risk", False):
        return ""
    return format_html(
        '<span class="flag flag-at-risk">\u26a0 {}</span>',
        at_risk_text(row.projected_breach_period),
    )


def _quantize(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


@register.filter
def kpi_value(value: Any, unit: str = "") -> str:
    """A KPI value with its unit, two decimals at most; a dash when there is none."""
    if value is None or value == "":
        return DASH
    number = _quantize(Decimal(value), 2).normalize()
    text = f"{number:f}"
    suffix = UNIT_SUFFIX.get(unit, "")
    if number == 1 and suffix.endswith("days"):  # "1 business day", "1 day"
        suffix = suffix[:-1]
    return f"{text}{suffix}"


@register.filter
def money(value: Any, currency: str = "USD") -> str:
    """Money rounded half-up to cents, with thousands separators and the currency code."""
    if value is None or value == "":
        return DASH
    amount = _quantize(Decimal(value), 2)
    return f"{amount:,.2f} {currency}"


@register.filter
def number(value: Any, places: int = 2) -> str:
    """A decimal rounded half-up to ``places``; a dash when there is none."""
    if value is None or value == "":
        return DASH
    return f"{_quantize(Decimal(value), int(places)):,.{int(places)}f}"


@register.filter
def standing_class(standing: str | None) -> str:
    """A CSS class for a standing band (Excellent, Good, Needs improvement, Unsatisfactory)."""
    return "standing-" + (standing or "none").lower().replace(" ", "-")


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """``mapping[key]`` in a template, None when absent."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def words(code: str | None) -> str:
    """A code as words (``action_plan_received`` -> ``action plan received``)."""
    return (code or "").replace("_", " ")


@register.filter
def get_index(sequence: Any, index: int) -> Any:
    """``sequence[index]`` in a template, None when out of range."""
    try:
        return sequence[int(index)]
    except (IndexError, TypeError, ValueError):
        return None
