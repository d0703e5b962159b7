"""Evaluate periods: each vendor's months in order, in memory.

Months of the carry-in window (before the vendor's first period written) are evaluated only
for what the next month depends on: the values of the trend, the previous statuses and the breach
runs. Every later month gets its inputs hashed and, when they changed, a new revision.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from remittances.beside import Beside, evidence_beside
from scorecard import evaluation as ev
from scorecard import remediation as rm
from vendors import periods as bd
from vendors import selectors as vendor_selectors
from vendors.models import Contract, Vendor

from . import remediation_step, rows
from .common import (
    NOT_AN_INPUT,
    Context,
    EvaluationSummary,
    Pending,
    contract_for,
    contract_snapshot,
    contract_terms,
    periods_between,
    pricing_terms,
    term_dict,
)
from .load import Inputs


@dataclass
class Run:
    """What every vendor of one run shares."""

    inputs: Inputs
    summary: EvaluationSummary
    catalog: vendor_selectors.KPICatalog
    pending: Pending = field(default_factory=Pending)
    contexts: dict[int, Context] = field(default_factory=dict)
    due_dates: dict[tuple[int, str, int], dt.date] = field(default_factory=dict)


@dataclass
class VendorState:
    """One vendor's evaluation, carried from each month to the next."""

    vendor: Vendor
    contracts: list[Contract]
    reports: dict[str, dict[str, Any]]
    holidays: frozenset[dt.date]
    items: list[rm.Item]
    start: str | None  # first period written (None: from the first)
    period_values: list[dict[str, Decimal | None]] = field(default_factory=list)
    previous_statuses: dict[str, str] | None = None
    runs: dict[str, list[str]] = field(default_factory=dict)
    # Termination rights through the current month: those stored before ``start``, then the
    # runs raised from it on (contract, KPI code, periods).
    rights: list[dict[str, Any]] = field(default_factory=list)
    raised: list[tuple[Contract, str, list[str]]] = field(default_factory=list)
    status_by_period: dict[str, dict[str, str]] = field(default_factory=dict)
    measured: set[str] = field(default_factory=set)

    def reset(self) -> None:
        """A month no contract covers: the trend, the previous month and breach runs end."""
        self.period_values, self.previous_statuses, self.runs = [], None, {}


@dataclass(frozen=True)
class Outcome:
    """One month's evaluation and the inputs it used."""

    ctx: Context
    result: ev.PeriodResult
    statuses: dict[str, str]
    values: dict[str, tuple[Any, ...]]
    raw: dict[str, Any]
    history: dict[str, list[Decimal | None]]
    late: bool
    due: dt.date
    beside: Beside


def vendor_state(run: Run, vendor_id: int) -> VendorState:
    """A vendor's starting state: what was loaded, and the rights raised before its start."""
    inputs = run.inputs
    contracts = inputs.contracts_by_vendor[vendor_id]
    vendor = contracts[0].vendor
    start = inputs.starts.get(vendor_id)
    state = VendorState(
        vendor=vendor,
        contracts=contracts,
        reports=inputs.reports_by_vendor.get(vendor_id, {}),
        holidays=inputs.holidays_of.get(vendor.organization_id, frozenset()),
        items=inputs.items_by_vendor[vendor_id],
        start=start,
    )
    if start is not None:
        # Raised before the start: stored, in the order the runs reached their thresholds.
        before = [r for r in inputs.rights_by_vendor.get(vendor_id, []) if r["periods"][-1] < start]
        before.sort(key=lambda r: (r["periods"][-1], r["kpi"]))
        state.rights = [{"kpi": r["kpi"], "periods": r["periods"]} for r in before]
    for period, statuses in inputs.stored_statuses.get(vendor_id, {}).items():
        state.status_by_period[period] = dict(statuses)
    return state


def span(run: Run, state: VendorState) -> tuple[str, ...]:
    """The months to evaluate: from the contract's first (or the window's) to the last whose
    report is due (later months only if a report came early), never past ``until``."""
    inputs = run.inputs
    reported = sorted(state.reports)
    first = bd.period_of(state.contracts[0].start_date)
    if reported:
        first = min(first, reported[0])
    last = max(inputs.last_closed, reported[-1]) if reported else inputs.last_closed
    window = inputs.windows.get(state.vendor.pk)
    if window is not None:
        first = max(first, window)
    if inputs.scope.until is not None:
        last = min(last, inputs.scope.until)
    return periods_between(first, last) if first <= last else ()


def evaluate_vendor(run: Run, vendor_id: int) -> None:
    """Every month of one vendor in order, then the items and rights the newest statuses judge."""
    state = vendor_state(run, vendor_id)
    for p in span(run, state):
        contract = contract_for(state.contracts, p)
        if contract is None:
            state.reset()
            continue
        report = state.reports.get(p)
        due = _due(run, state, p, contract)
        if report is None and not bd.is_late(run.inputs.today, due):
            continue  # not due yet: measured once its due day has passed
        outcome = evaluate_month(run, state, p, contract, report=report, due=due)
        state.status_by_period[p] = outcome.statuses
        # Breach runs through this period; a run reaching the contract's threshold raises the
        # termination right (once per run).
        runs_before = state.runs
        state.runs, reached = rm.breach_runs_through(
            period=p,
            statuses=outcome.statuses,
            previous_runs=runs_before,
            threshold=contract.termination_consecutive_breaches,
        )
        if state.start is None or p >= state.start:
            state.measured.add(p)
            state.raised.extend((contract, code, run_) for code, run_ in reached)
            state.rights.extend({"kpi": code, "periods": run_} for code, run_ in reached)
            rows.issue(run, state, p, contract, outcome=outcome, runs_before=runs_before)
        # History for the next period, whether or not this one was written.
        state.period_values.append({k.term.code: k.value for k in outcome.result.kpis})
        state.previous_statuses = outcome.statuses
    remediation_step.finish_vendor(run, state)


def _due(run: Run, state: VendorState, period: str, contract: Contract) -> dt.date:
    key = (state.vendor.organization_id, period, contract.report_due_business_day)
    due = run.due_dates.get(key)
    if due is None:
        due = run.due_dates[key] = bd.report_due_date(
            period, contract.report_due_business_day, state.holidays
        )
    return due


def context(run: Run, vendor: Vendor, contract: Contract) -> Context:
    """A contract's terms, snapshot, pricing, rules and inputs digest, computed once per run."""
    ctx = run.contexts.get(contract.pk)
    if ctx is not None:
        return ctx
    terms = contract_terms(run.inputs.terms_by_contract.get(contract.pk, []))
    ctx = run.contexts[contract.pk] = Context(
        contract=contract,
        terms=terms,
        snapshot=contract_snapshot(contract),
        term_dicts=[term_dict(t) for t in terms],
        digest=b"",
        pricing=pricing_terms(contract),
        rules=rm.Rules(
            cure_period_days=contract.cure_period_days,
            verification_periods=contract.verification_periods,
            termination_consecutive_breaches=contract.termination_consecutive_breaches,
        ),
    )
    ctx.digest = hashlib.sha256(
        json.dumps(
            {
                "vendor": [vendor.pk, vendor.slug, vendor.name],
                "contract": {k: v for k, v in ctx.snapshot.items() if k not in NOT_AN_INPUT},
                "terms": ctx.term_dicts,
            },
            sort_keys=True,
        ).encode()
    ).digest()
    return ctx


def evaluate_month(
    run: Run,
    state: VendorState,
    period: str,
    contract: Contract,
    *,
    report: dict[str, Any] | None,
    due: dt.date,
) -> Outcome:
    """One month of one contract: its readings, lateness and trend, evaluated."""
    ctx = context(run, state.vendor, contract)
    # field -> (value, stated_value, recomputed_value, insufficient_data, volume)
    values: dict[str, tuple[Any, ...]] = report["values"] if report else {}
    if report is not None:
        late = bd.is_late(report["received_at"].astimezone(run.inputs.tz).date(), due)
    else:
        late = bd.is_late(run.inputs.today, due)
    readings: dict[str, ev.Reading] = {}
    for t in ctx.terms:  # the contract's KPIs: evaluate_period reads no other
        given = values.get(t.code)
        if given is not None:
            value, stated, recomputed, insufficient, volume = given
            readings[t.code] = ev.Reading(value, stated, recomputed, insufficient, volume)
    # The payers' evidence beside the statement (remittances.beside; one call).
    beside = evidence_beside(
        vendor=state.vendor,
        period=period,
        contract=contract,
        terms=ctx.terms,
        readings=readings,
        has_evidence=(state.vendor.pk, period) in run.inputs.evidence_periods,
    )
    readings = beside.readings
    raw = {name: v[1] if v[0] is None else v[0] for name, v in values.items()}
    history = {t.code: [pv.get(t.code) for pv in state.period_values[-2:]] for t in ctx.terms}
    result = ev.evaluate_period(
        ctx.terms,
        readings,
        raw=raw,
        bands=contract.standing_bands,
        missing_is_breach=late and contract.late_report_counts_as_breach,
        history=history,
    )
    return Outcome(ctx, result, result.statuses(), values, raw, history, late, due, beside)
