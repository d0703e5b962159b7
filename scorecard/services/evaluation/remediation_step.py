"""Remediation step: one month's statuses applied to the vendor's open items (the pure rules of
``scorecard.remediation``), then, after the vendor's last month, the items and termination
rights that the newest statuses no longer hold withdrawn."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from scorecard import evaluation as ev
from scorecard import remediation as rm
from vendors.models import Contract

from .common import Pending, bounds, item_state

if TYPE_CHECKING:
    from .periods import Outcome, Run, VendorState


def step_month(
    run: Run,
    state: VendorState,
    period: str,
    contract: Contract,
    *,
    outcome: Outcome,
    runs_before: dict[str, list[str]],
    step: bool,
) -> list[tuple[rm.Item, dict[str, Any]]]:
    """Move the items on the month's statuses when ``step`` (a month not stepped before); the
    items' state as the month's scorecard shows it."""
    vendor, pending, inputs = state.vendor, run.pending, run.inputs
    changed: set[int] = set()
    if step:
        result = rm.step(
            period=period,
            period_end=bounds(period)[1],
            statuses=outcome.statuses,
            previous_statuses=state.previous_statuses,
            breach_runs=runs_before,
            items=state.items,
            rules=outcome.ctx.rules,
        )
        org_id = vendor.organization_id
        for item in result.opened:
            kpi_id = run.catalog.get(org_id, item.kpi_code).pk
            pending.new_items.append((item, contract, org_id, kpi_id))
        pending.events.extend(result.changes)
        for change in result.changes:  # (messages and the audit trail)
            owner = (inputs.item_orgs.get(id(change.item), org_id), vendor.name)
            pending.owners[id(change.item)] = owner
        changed = {id(c.item) for c in result.changes}
        inputs.through[vendor.pk] = max(inputs.through.get(vendor.pk, period), period)
    return [
        (item, item_state(item))
        for item in state.items
        if item.opened_period <= period and (item.status not in rm.TERMINAL or id(item) in changed)
    ]


def finish_vendor(run: Run, state: VendorState) -> None:
    """After the vendor's months: withdraw what the newest statuses no longer hold, and withdraw
    the current scorecards of months no contract covers any more."""
    inputs, vendor = run.inputs, state.vendor
    name = functools.partial(run.catalog.name, vendor.organization_id)
    withdraw_items(
        run.pending,
        items=state.items,
        status_by_period=state.status_by_period,
        name=name,
        owner=(vendor.organization_id, vendor.name),
    )
    only, start, until = inputs.scope.only, state.start, inputs.scope.until
    run.pending.uncovered.extend(
        sid
        for p, sid in inputs.current_of.get(vendor.pk, {}).items()
        if p not in state.measured
        and (only is None or p == only)
        and (start is None or p >= start)
        and (until is None or p <= until)
    )
    # Stored rights the run judges: those reaching their threshold in a month it evaluated.
    stored = [
        r
        for r in inputs.rights_by_vendor.get(vendor.pk, [])
        if (start is None or r["periods"][-1] >= start)
        and (until is None or r["periods"][-1] <= until)
    ]
    reconcile_rights(
        run.pending,
        stored=stored,
        raised=state.raised,
        status_by_period=state.status_by_period,
        name=name,
    )


def withdraw_items(
    pending: Pending,
    *,
    items: list[rm.Item],
    status_by_period: dict[str, dict[str, str]],
    name: Callable[[str], str],
    owner: tuple[int, str],
) -> None:
    """Withdraw (waive, by the system, with the reason) a stored open breach item whose opening
    month is no longer a breach in the newest statuses and whose KPI breaches in no later month:
    it was opened on a report or term that has since been replaced."""
    for item in items:
        if item.ref is None or item.kind != rm.BREACH_KIND or item.status in rm.TERMINAL:
            continue
        opening = status_by_period.get(item.opened_period, {}).get(item.kpi_code)
        if opening is None or opening == ev.BREACH:
            continue
        if any(
            statuses.get(item.kpi_code) == ev.BREACH
            for p, statuses in status_by_period.items()
            if p > item.opened_period
        ):
            continue  # a later breach still needs the item
        reason = (
            f"Withdrawn on re-scoring: {name(item.kpi_code)} is {opening} in "
            f"{item.opened_period}, the breach that opened this item, and in breach in no later "
            "period."
        )
        pending.events.append(rm.Change(item, item.status, rm.WAIVED, reason, item.opened_period))
        pending.owners[id(item)] = owner  # (organization, vendor name) for messages and audit
        item.status = rm.WAIVED
        item.touched = True


def reconcile_rights(
    pending: Pending,
    *,
    stored: list[dict[str, Any]],
    raised: list[tuple[Contract, str, list[str]]],
    status_by_period: dict[str, dict[str, str]],
    name: Callable[[str], str],
) -> None:
    """Raise the runs not stored yet; withdraw stored rights whose run no longer holds (its
    months were re-reported or re-scored), naming the month that broke it."""
    computed = {(c.pk, code, tuple(run)) for c, code, run in raised}
    have = {(r["contract"], r["kpi"], tuple(r["periods"])) for r in stored}
    for contract, code, run in raised:
        if (contract.pk, code, tuple(run)) not in have:
            pending.rights.append((contract, code, run))
    for right in stored:
        if (right["contract"], right["kpi"], tuple(right["periods"])) in computed:
            continue
        code = right["kpi"]
        broken = [
            f"{p} is {status_by_period[p].get(code, 'not evaluated')}"
            if p in status_by_period
            else f"{p} is not evaluated"
            for p in right["periods"]
            if status_by_period.get(p, {}).get(code) != ev.BREACH
        ]
        pending.withdrawn.append(
            (
                right["id"],
                f"Withdrawn on re-scoring: {name(code)} is no longer in breach in every period of "
                f"{', '.join(right['periods'])} ({'; '.join(broken) or 'the contract changed'}).",
            )
        )
