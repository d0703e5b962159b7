"""Dispute rules as a pure state machine (domain.md section 10): no ORM, no now()."""

from __future__ import annotations

import datetime as dt

from vendors import periods

OPEN = "open"
ANSWERED = "answered"
ACCEPTED = "accepted"
REJECTED = "rejected"
TERMINAL = frozenset({ACCEPTED, REJECTED})

# open -> answered -> accepted | rejected; the practice may also decide without answering first.
TRANSITIONS: dict[str, frozenset[str]] = {
    OPEN: frozenset({ANSWERED, ACCEPTED, REJECTED}),
    ANSWERED: frozenset({ACCEPTED, REJECTED}),
    ACCEPTED: frozenset(),
    REJECTED: frozenset(),
}


class DisputeError(ValueError):
    """A step the rules refuse, with a message for the person who asked."""


def check_transition(*, from_status: str, to_status: str, reason: str) -> None:
    """Raise ``DisputeError`` unless a dispute may move from one status to another."""
    if to_status not in TRANSITIONS:
        raise DisputeError(f"Unknown status {to_status!r}.")
    if from_status in TERMINAL:
        raise DisputeError(f"The dispute is already {from_status}.")
    if to_status not in TRANSITIONS[from_status]:
        allowed = ", ".join(sorted(TRANSITIONS[from_status])) or "none"
        raise DisputeError(
            f"A dispute cannot move from {from_status} to {to_status}; allowed: {allowed}."
        )
    if not (reason or "").strip():
        word = {ANSWERED: "An answer", ACCEPTED: "Accepting", REJECTED: "Rejecting"}[to_status]
        raise DisputeError(f"{word} needs a reason.")


def answer_due_date(
    opened_on: dt.date, business_days: int, holidays: frozenset[dt.date] = frozenset()
) -> dt.date:
    """The last day to answer a dispute opened on ``opened_on``: that many business days later
    (weekends and the organization's holidays skipped)."""
    return periods.business_days_after(opened_on, business_days, holidays)


def is_overdue(
    *, status: str, opened_on: dt.date, today: dt.date, business_days: int, holidays: frozenset
) -> bool:
    """An open dispute nobody answered by its answer due date is flagged the day after."""
    return status == OPEN and today > answer_due_date(opened_on, business_days, holidays)
