"""What changed between two revisions of a vendor-month's scorecard.

``revision_snapshot`` reads what a revision froze (its KPI rows: value, SLA term, status; its
score, standing, fee, credit and contract version) into plain data; ``snapshot_changes`` is a
pure function comparing two such snapshots, oldest first. No queries.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from scorecard.pdf.document import status_look, with_unit

# Per KPI: what a revision froze and how a change of it reads.
KPI_FIELDS = (
    ("value", "value"),
    ("benchmark", "benchmark"),
    ("warning", "warning"),
    ("weight", "weight"),
    ("status", "status"),
)
CARD_FIELDS = (
    ("overall_score", "overall score"),
    ("standing", "standing"),
    ("contract_version", "contract version"),
)
MONEY_FIELDS = (("fee", "fee"), ("credit", "service credit"))


@dataclass(frozen=True)
class Change:
    """One difference: what (a KPI's name or "scorecard"), which field, before and after."""

    subject: str
    field: str
    before: str
    after: str


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def revision_snapshot(card: Any, kpis: Iterable[Any]) -> dict[str, Any]:
    """A revision's frozen figures as plain strings (KPI rows keyed by code)."""
    contract = (getattr(card, "snapshot", None) or {}).get("contract") or {}
    return {
        "overall_score": _text(card.overall_score),
        "standing": card.standing or "",
        "contract_version": _text(contract.get("version")),
        "fee": _text(card.fee),
        "credit": _text(card.credit),
        "currency": card.currency,
        "kpis": {
            k.kpi_code: {
                "name": k.kpi_name,
                "unit": k.unit,
                "value": _text(k.value),
                "benchmark": _text(k.benchmark),
                "warning": _text(k.warning),
                "weight": _text(k.weight),
                "status": k.status,
            }
            for k in kpis
        },
    }


def _shown(field: str, raw: str, unit: str) -> str:
    """A frozen figure as the page shows it."""
    if raw == "":
        return "\u2014"
    if field == "status":
        return status_look(raw)["word"]
    if field == "weight":
        return raw
    return with_unit(raw, unit)


def _kpi_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    out = []
    for code, row in new.items():
        before = old.get(code)
        if before is None:
            out.append(Change(row["name"], "KPI", "not scored", "scored"))
            continue
        for key, label in KPI_FIELDS:
            a = _shown(key, before[key], row["unit"])
            b = _shown(key, row[key], row["unit"])
            if a != b:
                out.append(Change(row["name"], label, a, b))
    out.extend(
        Change(row["name"], "KPI", "scored", "not scored")
        for code, row in old.items()
        if code not in new
    )
    return out


def snapshot_changes(
    old: Mapping[str, Any], new: Mapping[str, Any], *, with_money: bool = True
) -> list[Change]:
    """Every difference from ``old`` to ``new`` as shown (a change that rounds away is none):
    the scorecard's figures first, then each KPI's value, SLA terms and status."""
    fields = CARD_FIELDS + (MONEY_FIELDS if with_money else ())
    out = [
        Change("scorecard", label, _text(old.get(key)) or "\u2014", _text(new.get(key)) or "\u2014")
        for key, label in fields
        if _text(old.get(key)) != _text(new.get(key))
    ]
    return out + _kpi_changes(old.get("kpis") or {}, new.get("kpis") or {})
