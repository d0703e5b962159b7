"""Load: what one evaluation run reads, and no more.

A full run reads every vendor's whole history. An incremental run starts each vendor at the first
period a change can affect (the earliest pending re-scoring row, a stored report's month, or the
month after the newest scorecard) and reads only from a short carry-in window before it: the
months whose values, statuses and breach runs the first evaluated month depends on. The state
before the window comes from what was stored: open remediation items, raised termination rights
and, only where an open item or right reaches further back, the stored statuses of those months.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max, Q
from django.utils import timezone

from remittances.selectors import evidence_periods
from scorecard import remediation as rm
from scorecard.models import RemediationItem, Scorecard, ScorecardKPI, TerminationRight
from vendors import periods as bd
from vendors import selectors as vendor_selectors
from vendors.models import Contract

# (scorecard id, contract id, inputs hash, report id) of a current scorecard
Current = tuple[int, int, str, int | None]
# A group of vendors read from the same period: (first period or None, vendor ids or None = all)
Group = tuple[str | None, list[int] | None]
ITEM_FIELDS = (
    "id",
    "vendor_id",
    "organization_id",
    "kpi__code",
    "kind",
    "status",
    "opened_period",
    "cure_deadline",
    "meeting_streak",
    "verified",
)


@dataclass(frozen=True)
class Scope:
    """Which vendors and periods a run evaluates.

    ``only``: the one period written (None: every period). ``until``: the last period read
    (``evaluate --period`` reads nothing later). ``incremental``: each vendor from the first period
    a change can affect; ``since`` adds first periods the caller knows (stored reports' months).
    """

    vendor_ids: list[int] | None = None
    only: str | None = None
    until: str | None = None
    incremental: bool = False
    since: Mapping[int, str] | None = None


@dataclass
class Inputs:
    """Everything a run read, by vendor."""

    today: dt.date
    scope: Scope
    answered: list[int]
    contracts_by_vendor: dict[int, list[Contract]]
    now: dt.datetime = field(default_factory=timezone.now)
    tz: dt.tzinfo = field(default_factory=timezone.get_current_timezone)
    starts: dict[int, str | None] = field(default_factory=dict)  # first period written
    windows: dict[int, str | None] = field(default_factory=dict)  # first period read
    holidays_of: dict[int, frozenset[dt.date]] = field(default_factory=dict)
    terms_by_contract: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    reports_by_vendor: dict[int, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    current: dict[tuple[int, str], Current] = field(default_factory=dict)
    current_of: dict[int, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    through: dict[int, str] = field(default_factory=dict)
    max_revision: dict[tuple[int, str], int] = field(default_factory=dict)
    items_by_vendor: dict[int, list[rm.Item]] = field(default_factory=lambda: defaultdict(list))
    item_orgs: dict[int, int] = field(default_factory=dict)  # id(item) -> its organization id
    rights_by_vendor: dict[int, list[dict[str, Any]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    # Stored statuses of months before the window (or after ``until``) that open items or
    # rights need: vendor -> period -> KPI code -> status
    stored_statuses: dict[int, dict[str, dict[str, str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(dict))
    )
    # (vendor id, period) pairs for which payers' 835 evidence is stored (read in one query)
    evidence_periods: frozenset[tuple[int, str]] = frozenset()

    @property
    def last_closed(self) -> str:
        return bd.previous_period(bd.period_of(self.today))


def load(scope: Scope, *, today: dt.date) -> Inputs | None:
    """Lock the vendors' rows, then read what the run needs (None: no contract in scope)."""
    vendor_selectors.vendors_lock(vendor_ids=scope.vendor_ids)
    # Re-scoring asked for before this point is answered by this run (its change committed
    # before the inputs below are read); rows written later stay for their own task.
    answered = (
        [row_id for row_id, _ in vendor_selectors.pending_rescores(vendor_ids=scope.vendor_ids)]
        if scope.only is None
        else []
    )
    contracts_by_vendor: dict[int, list[Contract]] = defaultdict(list)
    for c in vendor_selectors.contracts_for_vendors(vendor_ids=scope.vendor_ids):
        contracts_by_vendor[c.vendor_id].append(c)
    inputs = Inputs(
        today=today, scope=scope, answered=answered, contracts_by_vendor=contracts_by_vendor
    )
    if not contracts_by_vendor:
        return inputs
    _plan(inputs)
    inputs.holidays_of = vendor_selectors.holidays_by_organization(
        organization_ids={cs[0].organization_id for cs in contracts_by_vendor.values()}
    )
    inputs.terms_by_contract = vendor_selectors.sla_term_data(vendor_ids=scope.vendor_ids)
    for since, vids in _groups(inputs, inputs.windows):
        for r in vendor_selectors.current_report_data(
            vendor_ids=vids, since=since, until=scope.until
        ):
            inputs.reports_by_vendor[r["vendor_id"]][r["period"]] = r
    inputs.evidence_periods = evidence_periods(vendor_ids=list(contracts_by_vendor))
    _load_scorecards(inputs)
    _load_items_and_rights(inputs)
    _load_stored_statuses(inputs)
    return inputs


def carry_in_months(contracts: Iterable[Contract]) -> int:
    """How many months before the first evaluated one its evaluation depends on: the trend's
    two, and a breach run's length up to the longest termination threshold."""
    return max([2, *(c.termination_consecutive_breaches for c in contracts)])


def _plan(inputs: Inputs) -> None:
    """Each vendor's first period written (``starts``) and first period read (``windows``)."""
    scope = inputs.scope
    vids = list(inputs.contracts_by_vendor)
    if scope.until is not None:
        starts: dict[int, str | None] = dict.fromkeys(vids, scope.until)
    elif scope.incremental:
        starts = _incremental_starts(scope, vids)
    else:
        starts = dict.fromkeys(vids)
    inputs.starts = starts
    inputs.windows = {
        vid: None
        if start is None
        else bd.shift_period(start, -carry_in_months(inputs.contracts_by_vendor[vid]))
        for vid, start in starts.items()
    }


def _incremental_starts(scope: Scope, vids: list[int]) -> dict[int, str | None]:
    """The first period a change can affect, by vendor (None: the whole history): the earliest
    of the caller's, the pending re-scoring rows' and the month after the newest scorecard."""
    pending = vendor_selectors.pending_rescore_starts(vendor_ids=scope.vendor_ids)
    newest = Scorecard.objects.filter(is_current=True)
    if scope.vendor_ids is not None:
        newest = newest.filter(vendor_id__in=scope.vendor_ids)
    through = dict(
        newest.order_by()
        .values("vendor_id")
        .annotate(top=Max("period"))
        .values_list("vendor_id", "top")
    )
    since = scope.since or {}
    starts: dict[int, str | None] = {}
    for vid in vids:
        candidates = [
            since.get(vid),
            pending.get(vid),
            bd.next_period(through[vid]) if vid in through else "",
        ]
        first = min(c for c in candidates if c is not None)
        starts[vid] = first or None  # "" (never evaluated, or a change from the start): all
    return starts


def _groups(inputs: Inputs, firsts: Mapping[int, str | None]) -> list[Group]:
    """Vendors that share a first period, so that each group is one filtered read."""
    if inputs.scope.vendor_ids is None and len(set(firsts.values())) == 1:
        return [(next(iter(firsts.values())), None)]
    by_first: dict[str | None, list[int]] = defaultdict(list)
    for vid, first in firsts.items():
        by_first[first].append(vid)
    return sorted(by_first.items(), key=lambda g: g[0] or "")


def _filter(groups: list[Group], *, vendor: str = "vendor_id", period: str = "period") -> Q:
    """One condition for every group: its vendors, from its first period."""
    condition = Q(pk__in=[])
    for first, vids in groups:
        part = Q() if vids is None else Q(**{f"{vendor}__in": vids})
        if first is not None:
            part &= Q(**{f"{period}__gte": first})
        if not part:
            return Q()
        condition |= part
    return condition


def _load_scorecards(inputs: Inputs) -> None:
    """Current scorecards and revision counts of the periods the run may write."""
    scope = Scorecard.objects.filter(_filter(_groups(inputs, inputs.starts)))
    for sid, contract_id, vendor_id, p, sha, report_id in scope.filter(is_current=True).values_list(
        "id", "contract_id", "vendor_id", "period", "inputs_sha256", "report_id"
    ):
        inputs.current[(vendor_id, p)] = (sid, contract_id, sha, report_id)
        inputs.current_of[vendor_id][p] = sid
        inputs.through[vendor_id] = max(inputs.through.get(vendor_id, p), p)
    # Revisions count per vendor and period: an amendment's scorecard supersedes the old
    # version's as the next revision of the same month.
    inputs.max_revision = {
        (row["vendor_id"], row["period"]): row["top"]
        for row in scope.values("vendor_id", "period").annotate(top=Max("revision"))
    }


def _load_items_and_rights(inputs: Inputs) -> None:
    """Open remediation items (the state carried in) and raised termination rights."""
    vendor_ids = inputs.scope.vendor_ids
    item_rows = RemediationItem.objects.exclude(status__in=list(rm.TERMINAL))
    right_rows = TerminationRight.objects.filter(withdrawn_at__isnull=True)
    if vendor_ids is not None:
        item_rows = item_rows.filter(vendor_id__in=vendor_ids)
        right_rows = right_rows.filter(vendor_id__in=vendor_ids)
    for row in item_rows.values(*ITEM_FIELDS):
        loaded = rm.Item(
            kpi_code=row["kpi__code"],
            kind=row["kind"],
            status=row["status"],
            opened_period=row["opened_period"],
            cure_deadline=row["cure_deadline"],
            meeting_streak=row["meeting_streak"],
            verified=row["verified"],
            ref=row["id"],
        )
        inputs.items_by_vendor[row["vendor_id"]].append(loaded)
        inputs.item_orgs[id(loaded)] = row["organization_id"]
    for right_id, vendor_id, contract_id, code, periods in right_rows.order_by("id").values_list(
        "id", "vendor_id", "contract_id", "kpi__code", "periods"
    ):
        inputs.rights_by_vendor[vendor_id].append(
            {"id": right_id, "contract": contract_id, "kpi": code, "periods": periods}
        )


def _needs_from(inputs: Inputs, vendor_id: int) -> str | None:
    """The earliest month before the vendor's window whose status an open breach item or a
    right the run may withdraw needs (None: the window holds them all)."""
    window, start = inputs.windows.get(vendor_id), inputs.starts.get(vendor_id)
    if window is None or start is None:
        return None
    needed = [
        item.opened_period
        for item in inputs.items_by_vendor.get(vendor_id, [])
        if item.kind == rm.BREACH_KIND
    ]
    needed += [
        right["periods"][0]
        for right in inputs.rights_by_vendor.get(vendor_id, [])
        if right["periods"] and right["periods"][-1] >= start
    ]
    first = min(needed, default=None)
    return first if first is not None and first < window else None


def _load_stored_statuses(inputs: Inputs) -> None:
    """Statuses of months the run does not evaluate but must judge by: before the window (for
    old open items and rights) and, for ``evaluate --period``, after the period."""
    before = {vid: first for vid in inputs.starts if (first := _needs_from(inputs, vid))}
    conditions = Q(pk__in=[])
    if before:
        conditions |= Q(
            scorecard__vendor_id__in=list(before),
            scorecard__period__gte=min(before.values()),
            scorecard__period__lt=max(w for vid in before if (w := inputs.windows[vid])),
        )
    until = inputs.scope.until
    if until is not None:
        after = Q(scorecard__period__gt=until)
        if inputs.scope.vendor_ids is not None:
            after &= Q(scorecard__vendor_id__in=inputs.scope.vendor_ids)
        conditions |= after
    if not before and until is None:
        return
    rows = ScorecardKPI.objects.filter(conditions, scorecard__is_current=True).values_list(
        "scorecard__vendor_id", "scorecard__period", "kpi_code", "status"
    )
    for vendor_id, period, code, status in rows.order_by():
        window = inputs.windows.get(vendor_id)
        if (until is not None and period > until) or (window is not None and period < window):
            inputs.stored_statuses[vendor_id][period][code] = status
