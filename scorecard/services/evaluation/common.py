"""What the evaluation's steps share: run summary, per-contract context, pending rows, and the
snapshot helpers (plain JSON-ready data of contracts, terms and items)."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from scorecard import evaluation as ev
from scorecard import pricing
from scorecard import remediation as rm
from scorecard.selectors import number
from vendors import periods as bd
from vendors import selectors as vendor_selectors
from vendors.models import Contract

FOUR = Decimal("0.0001")
SIX = Decimal("0.000001")
KPI_COLUMNS = [
    "kpi_code",
    "kpi_name",
    "unit",
    "direction",
    "formula",
    "source",
    "benchmark",
    "warning",
    "weight",
    "value",
    "stated_value",
    "recomputed_value",
    "status",
    "points",
    "previous_value",
    "change",
    "trailing_3m_average",
    "display_order",
]


@dataclass
class EvaluationSummary:
    """What one evaluation run did."""

    issued: int = 0
    unchanged: int = 0
    opened: int = 0
    escalated: int = 0
    closed: int = 0
    termination_rights: int = 0
    withdrawn_rights: int = 0
    withdrawn_scorecards: int = 0
    pdfs_queued: int = 0
    notifications: int = 0
    scorecard_ids: list[int] = field(default_factory=list)


def text(value: Any) -> Any:
    """Canonical text of a decimal, date or datetime for snapshots and hashes."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return number(value)
    return value


def money(value: Decimal | None) -> Decimal | None:
    return None if value is None else pricing.to_cents(value)


def four(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(FOUR)


def contract_snapshot(contract: Contract) -> dict[str, Any]:
    """The contract terms an evaluation uses, as plain JSON-ready data."""
    return {
        "id": contract.pk,
        "version": contract.version,
        "start_date": text(contract.start_date),
        "end_date": text(contract.end_date),
        "currency": contract.currency,
        "pricing_model": contract.pricing_model,
        "percent_of_collections": text(contract.percent_of_collections),
        "fee_per_claim": text(contract.fee_per_claim),
        "flat_monthly_fee": text(contract.flat_monthly_fee),
        "monthly_minimum": text(contract.monthly_minimum),
        "monthly_maximum": text(contract.monthly_maximum),
        "report_due_business_day": contract.report_due_business_day,
        "late_report_counts_as_breach": contract.late_report_counts_as_breach,
        "evaluate_with_evidence": contract.evaluate_with_evidence,
        "at_risk_percent": text(contract.at_risk_percent),
        "cure_period_days": contract.cure_period_days,
        "verification_periods": contract.verification_periods,
        "termination_consecutive_breaches": contract.termination_consecutive_breaches,
        "standing_bands": contract.standing_bands,
    }


def pricing_terms(contract: Contract) -> pricing.PricingTerms:
    """A contract's pricing as plain data for ``scorecard.pricing``."""
    return pricing.PricingTerms(
        pricing_model=contract.pricing_model,
        percent_of_collections=contract.percent_of_collections,
        fee_per_claim=contract.fee_per_claim,
        flat_monthly_fee=contract.flat_monthly_fee,
        monthly_minimum=contract.monthly_minimum,
        monthly_maximum=contract.monthly_maximum,
    )


def contract_terms(rows: list[dict[str, Any]]) -> list[ev.Term]:
    """A contract's SLA terms with their KPI definitions copied (``sla_term_data``'s rows)."""
    return [
        ev.Term(
            code=t["kpi__code"],
            name=t["kpi__name"],
            unit=t["kpi__unit"],
            direction=t["kpi__direction"],
            benchmark=t["benchmark"],
            warning=t["warning"],
            weight=t["weight"],
            minimum_volume=t["minimum_volume"],
            volume_field=t["kpi__volume_field"],
            formula=t["kpi__formula"],
            source=t["kpi__source"],
            display_order=t["kpi__display_order"],
        )
        for t in rows
    ]


def term_dict(t: ev.Term) -> dict[str, Any]:
    return {
        "code": t.code,
        "name": t.name,
        "unit": t.unit,
        "direction": t.direction,
        "benchmark": str(t.benchmark),
        "warning": str(t.warning),
        "weight": str(t.weight),
        "minimum_volume": t.minimum_volume,
        "volume_field": t.volume_field,
        "formula": t.formula,
        "source": t.source,
        "display_order": t.display_order,
    }


@functools.cache
def bounds(period: str) -> tuple[dt.date, dt.date]:
    return bd.period_start(period), bd.period_end(period)


@functools.cache
def periods_between(first: str, last: str) -> tuple[str, ...]:
    return tuple(bd.periods_between(first, last))


def contract_for(contracts: list[Contract], period: str) -> Contract | None:
    """The version governing a period, by the one contract-in-force rule of vendors."""
    start, end = bounds(period)
    return vendor_selectors.in_force(contracts, first_day=start, last_day=end)


# Contract fields that never change how a period inside the contract is evaluated: an
# amendment ends the old version, and that must not re-issue the periods before it.
NOT_AN_INPUT = frozenset({"end_date"})


@dataclass
class Context:
    """Per-contract data computed once per run."""

    contract: Contract
    terms: list[ev.Term]
    snapshot: dict[str, Any]
    term_dicts: list[dict[str, Any]]
    pricing: pricing.PricingTerms
    rules: rm.Rules
    digest: bytes


@dataclass
class Pending:
    """Rows to write at the end of the run."""

    superseded: list[int] = field(default_factory=list)
    withdrawn: list[tuple[int, str]] = field(default_factory=list)  # (right id, reason)
    scorecards: list[tuple[dict[str, Any], list[tuple], list[tuple[rm.Item, dict]]]] = field(
        default_factory=list
    )
    new_items: list[tuple[rm.Item, Contract, int, int]] = field(default_factory=list)
    events: list[rm.Change] = field(default_factory=list)
    rights: list[tuple[Contract, str, list[str]]] = field(default_factory=list)
    # Current scorecards of months no contract covers any more (a contract was shortened).
    uncovered: list[int] = field(default_factory=list)
    # (superseded scorecard id, the card replacing it) for re-rendering PDFs
    replaced: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    # Organization id and vendor name of every item an event moved (messages, audit trail).
    owners: dict[int, tuple[int, str]] = field(default_factory=dict)
    event_ids: list[int] = field(default_factory=list)
    right_ids: list[int] = field(default_factory=list)


def item_state(item: rm.Item) -> dict[str, Any]:
    return {
        "kpi": item.kpi_code,
        "kind": item.kind,
        "status": item.status,
        "opened_period": item.opened_period,
        "cure_deadline": text(item.cure_deadline),
        "meeting_streak": item.meeting_streak,
        "verified": item.verified,
    }
