"""Remediation rules (domain.md section 4) as a pure state machine: no ORM, no now().

Evaluation steps through periods in order; each ``step`` opens items, moves them on what the
period's statuses show (verifying, verified closure, escalation past the cure deadline) and
raises termination rights. People move items with ``check_transition``'s rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from scorecard.evaluation import BREACH, MEETS, WATCH

OPEN = "open"
ACTION_PLAN_RECEIVED = "action_plan_received"
IN_PROGRESS = "in_progress"
VERIFYING = "verifying"
CLOSED = "closed"
ESCALATED = "escalated"
WAIVED = "waived"
TERMINAL = frozenset({CLOSED, WAIVED})

BREACH_KIND = "breach"
ROOT_CAUSE_REVIEW = "root_cause_review"

# What a person may do from each state; the evaluation moves items by the rules in ``step``.
MANUAL_TRANSITIONS: dict[str, frozenset[str]] = {
    OPEN: frozenset({ACTION_PLAN_RECEIVED, ESCALATED, WAIVED}),
    ACTION_PLAN_RECEIVED: frozenset({IN_PROGRESS, ESCALATED, WAIVED}),
    IN_PROGRESS: frozenset({VERIFYING, ESCALATED, WAIVED}),
    VERIFYING: frozenset({CLOSED, IN_PROGRESS, ESCALATED, WAIVED}),
    ESCALATED: frozenset({ACTION_PLAN_RECEIVED, IN_PROGRESS, VERIFYING, WAIVED}),
    CLOSED: frozenset(),
    WAIVED: frozenset(),
}


class TransitionError(ValueError):
    """A transition the rules do not allow, with a message for the person who asked."""


def check_transition(
    *,
    kind: str,
    from_status: str,
    to_status: str,
    reason: str,
    meeting_streak: int,
    verification_periods: int,
) -> None:
    """Raise ``TransitionError`` unless a person may move an item from one status to another.

    Every transition needs a reason; closing a breach item needs the KPI to have met its
    benchmark for ``verification_periods`` consecutive periods; an advisory root-cause review
    may be closed from any open state once reviewed.
    """
    if not reason or not reason.strip():
        if to_status == WAIVED:
            raise TransitionError("Waiving needs a reason.")
        raise TransitionError("Every transition needs a reason.")
    if to_status not in MANUAL_TRANSITIONS:
        raise TransitionError(f"Unknown status {to_status!r}.")
    if from_status in TERMINAL:
        raise TransitionError(f"The item is already {from_status}.")
    allowed = set(MANUAL_TRANSITIONS[from_status])
    if kind == ROOT_CAUSE_REVIEW:
        allowed.add(CLOSED)
    if to_status not in allowed:
        raise TransitionError(
            f"An item cannot move from {from_status} to {to_status}; "
            f"allowed: {', '.join(sorted(allowed)) or 'none'}."
        )
    if kind == BREACH_KIND and to_status == CLOSED and meeting_streak < verification_periods:
        raise TransitionError(
            f"The KPI has met its benchmark for {meeting_streak} consecutive period(s); closing "
            f"as verified needs {verification_periods}."
        )


@dataclass(frozen=True)
class Rules:
    """A contract's remediation settings."""

    cure_period_days: int = 60
    verification_periods: int = 2
    termination_consecutive_breaches: int = 3


@dataclass(eq=False)
class Item:
    """A remediation item's state; ``ref`` is whatever the caller uses to find its row."""

    kpi_code: str
    kind: str
    status: str
    opened_period: str
    cure_deadline: dt.date | None
    meeting_streak: int = 0
    verified: bool = False
    ref: object = None
    touched: bool = False


@dataclass(frozen=True)
class Change:
    """A status change the evaluation made (from_status is "" when the item was opened)."""

    item: Item
    from_status: str
    to_status: str
    reason: str
    period: str


@dataclass
class StepResult:
    """What one period did: items opened, status changes, termination rights, breach runs."""

    opened: list[Item] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    terminations: list[tuple[str, list[str]]] = field(default_factory=list)
    breach_runs: dict[str, list[str]] = field(default_factory=dict)


def breach_runs_through(
    *,
    period: str,
    statuses: Mapping[str, str],
    previous_runs: Mapping[str, list[str]],
    threshold: int,
) -> tuple[dict[str, list[str]], list[tuple[str, list[str]]]]:
    """THE termination-right rule: each KPI's run of consecutive breach periods through
    ``period``, and the runs that reach ``threshold`` in it (raised once per run, when the run
    reaches the threshold), in KPI code order."""
    runs: dict[str, list[str]] = {}
    raised: list[tuple[str, list[str]]] = []
    for code in sorted(statuses):
        run = [*previous_runs.get(code, []), period] if statuses[code] == BREACH else []
        runs[code] = run
        if run and len(run) == threshold:
            raised.append((code, list(run)))
    return runs, raised


def _open(items: list[Item], result: StepResult, item: Item, reason: str) -> None:
    items.append(item)
    result.opened.append(item)
    result.changes.append(Change(item, "", OPEN, reason, item.opened_period))


def _move(result: StepResult, item: Item, to_status: str, reason: str, period: str) -> None:
    result.changes.append(Change(item, item.status, to_status, reason, period))
    item.status = to_status
    item.touched = True


def _move_on(
    result: StepResult,
    item: Item,
    *,
    status: str,
    period: str,
    period_end: dt.date,
    rules: Rules,
) -> None:
    """One open item on its KPI's status in the period: verifying, verified closure, back in
    progress, escalation past the cure deadline."""
    if status == MEETS:
        item.meeting_streak += 1
        item.touched = True
        if item.status in (OPEN, ACTION_PLAN_RECEIVED, IN_PROGRESS, ESCALATED):
            _move(
                result,
                item,
                VERIFYING,
                f"The KPI meets its benchmark in {period}; verifying for "
                f"{rules.verification_periods} consecutive period(s).",
                period,
            )
        if item.meeting_streak >= rules.verification_periods:
            item.verified = True
            _move(
                result,
                item,
                CLOSED,
                f"Verified: the KPI met its benchmark for {item.meeting_streak} consecutive "
                f"period(s) through {period}.",
                period,
            )
        return
    if item.meeting_streak:
        item.meeting_streak = 0
        item.touched = True
    if item.status == VERIFYING:
        _move(result, item, IN_PROGRESS, f"The KPI is {status} again in {period}.", period)
    if (
        item.kind == BREACH_KIND
        and item.cure_deadline is not None
        and period_end > item.cure_deadline
        and item.status != ESCALATED
    ):
        _move(
            result,
            item,
            ESCALATED,
            f"Cure deadline {item.cure_deadline.isoformat()} passed and the KPI is still "
            f"{status} in {period}.",
            period,
        )


def _open_new(
    result: StepResult,
    items: list[Item],
    *,
    statuses: Mapping[str, str],
    previous_statuses: Mapping[str, str] | None,
    period: str,
    period_end: dt.date,
    rules: Rules,
) -> None:
    """Open a breach item for a new breach, a root-cause review for a second watch in a row."""
    open_by_kind = {(i.kpi_code, i.kind) for i in items if i.status not in TERMINAL}
    open_codes = {code for code, _ in open_by_kind}
    for code in sorted(statuses):
        status = statuses[code]
        if status == BREACH and (code, BREACH_KIND) not in open_by_kind:
            deadline = period_end + dt.timedelta(days=rules.cure_period_days)
            opened = Item(code, BREACH_KIND, OPEN, period, deadline, touched=True)
            _open(items, result, opened, f"Breach in {period}; cure by {deadline.isoformat()}.")
        elif (
            status == WATCH
            and previous_statuses is not None
            and previous_statuses.get(code) == WATCH
            and code not in open_codes
        ):
            opened = Item(code, ROOT_CAUSE_REVIEW, OPEN, period, None, touched=True)
            _open(
                items,
                result,
                opened,
                f"Watch two periods in a row (through {period}): root-cause review.",
            )


def step(
    *,
    period: str,
    period_end: dt.date,
    statuses: Mapping[str, str],
    previous_statuses: Mapping[str, str] | None,
    breach_runs: Mapping[str, list[str]],
    items: list[Item],
    rules: Rules,
) -> StepResult:
    """Apply one period's statuses to the open items, as of the period's end.

    ``previous_statuses`` are the statuses of the period just before (None if it was not
    evaluated); ``breach_runs`` the consecutive breach periods ending at the previous period, by
    KPI; ``items`` the open (not closed or waived) items, changed in place. New items are appended.
    """
    result = StepResult()
    for item in items:
        if item.status not in TERMINAL and item.kpi_code in statuses:
            _move_on(
                result,
                item,
                status=statuses[item.kpi_code],
                period=period,
                period_end=period_end,
                rules=rules,
            )
    _open_new(
        result,
        items,
        statuses=statuses,
        previous_statuses=previous_statuses,
        period=period,
        period_end=period_end,
        rules=rules,
    )
    result.breach_runs, result.terminations = breach_runs_through(
        period=period,
        statuses=statuses,
        previous_runs=breach_runs,
        threshold=rules.termination_consecutive_breaches,
    )
    return result
