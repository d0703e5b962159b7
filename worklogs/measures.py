"""Denial-work measures of one vendor-month from its work log (domain.md section 7, document 002).

Pure functions over the two frames of ``worklogs.frames`` (:func:`compute`); vectorised with
pandas and numpy (no loop over rows), money in int64 cents, rates and times made as ``Decimal``
at the very end. Definitions (section 7 names the measures; where it is silent the choice is
stated here and in docs/definitions.md, "Denial work"):

- Clocks run on business days of the organization's calendar (Monday to Friday, not one of its
  holidays: ``vendors.periods.is_business_day``). ``elapsed(a, b)`` = the business days in
  [a, b): received Friday, touched Monday = 1; touched the same day = 0; received on a Saturday
  and touched Monday = 0. A denial *received on a Friday before a Monday holiday* and touched on
  Tuesday has 1 elapsed day.
- *First touch*: a denial's earliest touch, whatever the order of the file's rows. Within SLA
  when ``elapsed(received, first touch) <= first_touch`` milestone. Denominator: the denials
  received in the month, except an untouched one whose milestone had not yet passed at the
  month's end (``elapsed(received, month end + 1) <= milestone``: still on time). Median and p90
  (nearest rank: the ceil(0.9 n)-th smallest) over the touched denials received in the month.
- *Follow-up*: the gaps ``elapsed(touch, next touch)`` of a denial's touches, and for a denial
  open at the month's end the gap from its last touch to the month's end
  (``elapsed(last touch, month end)``). Within SLA when every gap <= the follow-up milestone;
  denominator: the log's denials with at least one touch.
- *Appeal within deadline*: of the log's denials with an appeal touch, those whose first appeal
  is within ``elapsed(received, appeal) <= appeal`` milestone.
- *Resolution within SLA*: of the denials resolved in the month, ``elapsed(received, resolved)
  <= resolution`` milestone.
- *Touches per denial*, *rework rate* (touched 3 or more times) over the log's denials;
  *minutes per denial* over the denials whose touches give minutes (a denial without minutes is
  not counted as 0 minutes).
- *Open at month end*: received on or before the month's end and not resolved on or before it.
  *Overdue*: open at month end and past a milestone: untouched past the first-touch milestone,
  else its last touch past the follow-up milestone, else past the resolution milestone
  (the first of these is the one named). *Value at risk*: the amount denied of the overdue.
- *Prioritisation*: the top decile of denial amounts is the ceil(n / 10) largest denials of the
  log (ties by denial id); the share of the overdue value that lies in it.
- *Ageing* of the open denials at month end by reason (CARC): calendar days since received,
  0-30, 31-60, 61-90, 90+. *Backlog by payer*: open at month end, count and value.
- *Recovery yield* = recovered / denied amount, and *overturn rate* = (overturned + paid after
  resubmission) / resolved, both over the denials resolved in the month.

A rate without a denominator is ``None``, never 0.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

import numpy as np
import pandas as pd

from vendors.periods import period_bounds

from .frames import LogFrames
from .models import DenialOutcome, TouchAction

HUNDRED = Decimal(100)
RATE = Decimal("0.0001")
DAYS = Decimal("0.01")
AGE_BUCKETS = (("0-30", 0, 30), ("31-60", 31, 60), ("61-90", 61, 90), ("90+", 91, None))
OVERDUE_LIST_LIMIT = 50
RECOVERED_OUTCOMES = (DenialOutcome.OVERTURNED.value, DenialOutcome.PAID_AFTER_RESUBMISSION.value)


@dataclass(frozen=True)
class Milestones:
    """The contract's denial milestones, in business days (defaults of domain.md section 7; the
    resolution milestone, which section 7 does not give, defaults to 30)."""

    first_touch: int = 1
    follow_up: int = 7
    appeal: int = 20
    resolution: int = 30

    def as_dict(self) -> dict[str, int]:
        return {
            "first_touch": self.first_touch,
            "follow_up": self.follow_up,
            "appeal": self.appeal,
            "resolution": self.resolution,
        }


@dataclass
class Measures:
    """The measures of :class:`worklogs.models.DenialWorkMeasures`, field for field."""

    denials_received: int = 0
    denials_open_at_end: int = 0
    denials_resolved: int = 0
    first_touch_within_sla_rate: Decimal | None = None
    first_touch_median_days: Decimal | None = None
    first_touch_p90_days: Decimal | None = None
    follow_up_within_sla_rate: Decimal | None = None
    appeals: int = 0
    appeal_within_deadline_rate: Decimal | None = None
    resolution_within_sla_rate: Decimal | None = None
    touches_per_denial: Decimal | None = None
    rework_rate: Decimal | None = None
    minutes_per_denial: Decimal | None = None
    overdue_count: int = 0
    overdue_value_cents: int = 0
    overdue_top_decile_share: Decimal | None = None
    denied_cents: int = 0
    recovered_cents: int = 0
    recovery_yield_rate: Decimal | None = None
    overturn_rate: Decimal | None = None
    ageing: list[dict[str, Any]] = field(default_factory=list)
    backlog_by_payer: list[dict[str, Any]] = field(default_factory=list)
    overdue: list[dict[str, Any]] = field(default_factory=list)


def _rate(part: int, whole: int) -> Decimal | None:
    if whole == 0:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(RATE, ROUND_HALF_UP)


def _ratio(part: int, whole: int, step: Decimal = DAYS) -> Decimal | None:
    if whole == 0:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(step, ROUND_HALF_UP)


def _days(values: np.ndarray) -> np.ndarray:
    return values.astype("datetime64[D]")


def _elapsed(start: np.ndarray, end: np.ndarray, holidays: np.ndarray) -> np.ndarray:
    """Business days in [start, end) per pair (negative when end is before start)."""
    return np.busday_count(_days(start), _days(end), holidays=holidays)


def _median(values: np.ndarray) -> Decimal | None:
    if values.size == 0:
        return None
    ordered = np.sort(values)
    middle = values.size // 2
    if values.size % 2:
        return Decimal(int(ordered[middle])).quantize(DAYS)
    return (Decimal(int(ordered[middle - 1]) + int(ordered[middle])) / 2).quantize(DAYS)


def _p90(values: np.ndarray) -> Decimal | None:
    """Nearest rank: the ceil(0.9 n)-th smallest value."""
    if values.size == 0:
        return None
    rank = math.ceil(values.size * 9 / 10)
    return Decimal(int(np.sort(values)[rank - 1])).quantize(DAYS)


@dataclass(frozen=True)
class _Month:
    start: np.datetime64
    end: np.datetime64
    after: np.datetime64  # the day after the month's end
    holidays: np.ndarray


def _month(period: str, holidays: Iterable[dt.date]) -> _Month:
    start, end = period_bounds(period)
    return _Month(
        start=np.datetime64(start, "D"),
        end=np.datetime64(end, "D"),
        after=np.datetime64(end + dt.timedelta(days=1), "D"),
        holidays=np.array(sorted(holidays), dtype="datetime64[D]"),
    )


def _per_denial(frames: LogFrames, month: _Month) -> pd.DataFrame:
    """The denials with their touch figures: first and last touch, touches, minutes, first
    appeal and the largest follow-up gap (touches sorted by denial and day, so file order never
    matters; denials as integer codes, no string sort or grouping)."""
    ids = frames.denials["denial_id"]
    denials = frames.denials.set_axis(pd.Index(ids.to_numpy()), axis=0)
    n = len(ids)
    codes, _ = pd.factorize(pd.concat([ids, frames.touches["denial_id"]], ignore_index=True))
    touch_codes = codes[n:]
    known = touch_codes < n  # (a touch of a denial the log does not list counts for none)
    days = _days(frames.touches["touched_on"].to_numpy())[known]
    touch_codes = touch_codes[known]
    order = np.lexsort((days, touch_codes))
    code, day = touch_codes[order], days[order]
    minutes = frames.touches["minutes"].array[known].take(order)
    appeal = (frames.touches["action"].to_numpy()[known] == TouchAction.APPEAL.value)[order]
    starts = np.flatnonzero(np.r_[True, code[1:] != code[:-1]]) if code.size else code
    owners = code[starts]
    out = pd.DataFrame(index=denials.index)
    out["first_touch"] = _at(owners, day[starts], n)
    ends = np.r_[starts[1:], code.size] - 1 if code.size else starts
    out["last_touch"] = _at(owners, day[ends], n)
    out["touches"] = np.bincount(code, minlength=n).astype("int64")
    given = ~minutes.isna()
    has_minutes = np.bincount(code[given], minlength=n) > 0
    totals = np.zeros(n, dtype="int64")
    np.add.at(totals, code[given], minutes[given].to_numpy(dtype="int64"))
    out["minutes"] = pd.arrays.IntegerArray(totals, ~has_minutes)  # NA: no minutes given
    first_appeal = np.flatnonzero(appeal)
    first_appeal = first_appeal[~pd.Series(code[first_appeal]).duplicated().to_numpy()]
    out["first_appeal"] = _at(code[first_appeal], day[first_appeal], n)
    gaps = np.zeros(code.size, dtype="int64")
    follows = np.r_[False, code[1:] == code[:-1]] if code.size else np.zeros(0, dtype=bool)
    previous = np.flatnonzero(follows) - 1
    gaps[follows] = _elapsed(day[previous], day[follows], month.holidays)
    worst = np.zeros(n, dtype="int64")
    np.maximum.at(worst, code, gaps)
    out["max_gap"] = worst
    return pd.concat([denials, out], axis=1)


def _at(owners: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Days by denial position (NaT where a denial has none)."""
    out = np.full(size, np.datetime64("NaT", "D"))
    out[owners] = values
    return out


def compute(
    frames: LogFrames,
    *,
    period: str,
    milestones: Milestones = Milestones(),
    holidays: Iterable[dt.date] = (),
) -> Measures:
    """The measures of a vendor-month's work log (see the module's docstring)."""
    month = _month(period, holidays)
    d = _per_denial(frames, month)
    received = _days(d["received_on"].to_numpy())
    resolved = d["resolved_on"].to_numpy().astype("datetime64[D]")
    in_month = (received >= month.start) & (received <= month.end)
    resolved_by_end = ~np.isnat(resolved) & (resolved <= month.end)
    resolved_in_month = resolved_by_end & (resolved >= month.start)
    open_at_end = (received <= month.end) & ~resolved_by_end
    touched = d["touches"].to_numpy() > 0
    m = Measures(
        denials_received=int(in_month.sum()),
        denials_open_at_end=int(open_at_end.sum()),
        denials_resolved=int(resolved_in_month.sum()),
    )
    _first_touch(m, d, month, milestones, received, in_month, touched)
    _follow_up_and_appeals(m, d, month, milestones, received, open_at_end, touched)
    _resolution(m, d, milestones, received, resolved, resolved_in_month, month)
    _volume(m, d, touched)
    _queue(m, d, month, milestones, received, open_at_end, touched)
    return m


def _first_touch(
    m: Measures,
    d: pd.DataFrame,
    month: _Month,
    milestones: Milestones,
    received: np.ndarray,
    in_month: np.ndarray,
    touched: np.ndarray,
) -> None:
    first = d["first_touch"].to_numpy().astype("datetime64[D]")
    days = np.full(len(d), -1, dtype="int64")
    days[touched] = _elapsed(received[touched], first[touched], month.holidays)
    waited = _elapsed(received, np.full(len(d), month.after), month.holidays)
    on_time = touched & (days <= milestones.first_touch)
    pending = ~touched & (waited <= milestones.first_touch)
    counted = in_month & ~pending
    m.first_touch_within_sla_rate = _rate(int((on_time & counted).sum()), int(counted.sum()))
    measured = days[in_month & touched]
    m.first_touch_median_days = _median(measured)
    m.first_touch_p90_days = _p90(measured)


def _follow_up_and_appeals(
    m: Measures,
    d: pd.DataFrame,
    month: _Month,
    milestones: Milestones,
    received: np.ndarray,
    open_at_end: np.ndarray,
    touched: np.ndarray,
) -> None:
    last = d["last_touch"].to_numpy().astype("datetime64[D]")
    tail = np.zeros(len(d), dtype="int64")
    tail_rows = touched & open_at_end
    tail[tail_rows] = _elapsed(
        last[tail_rows], np.full(int(tail_rows.sum()), month.end), month.holidays
    )
    worst = np.maximum(d["max_gap"].to_numpy(), tail)
    m.follow_up_within_sla_rate = _rate(
        int((touched & (worst <= milestones.follow_up)).sum()), int(touched.sum())
    )
    appeal = d["first_appeal"].to_numpy().astype("datetime64[D]")
    appealed = ~np.isnat(appeal)
    m.appeals = int(appealed.sum())
    appeal_days = _elapsed(received[appealed], appeal[appealed], month.holidays)
    m.appeal_within_deadline_rate = _rate(int((appeal_days <= milestones.appeal).sum()), m.appeals)


def _resolution(
    m: Measures,
    d: pd.DataFrame,
    milestones: Milestones,
    received: np.ndarray,
    resolved: np.ndarray,
    resolved_in_month: np.ndarray,
    month: _Month,
) -> None:
    days = _elapsed(received[resolved_in_month], resolved[resolved_in_month], month.holidays)
    m.resolution_within_sla_rate = _rate(
        int((days <= milestones.resolution).sum()), int(resolved_in_month.sum())
    )
    denied = d["amount_denied_cents"].to_numpy()[resolved_in_month]
    recovered = d["recovered_cents"].to_numpy()[resolved_in_month]
    m.denied_cents = int(denied.sum())
    m.recovered_cents = int(recovered.sum())
    m.recovery_yield_rate = _rate(m.recovered_cents, m.denied_cents)
    outcomes = d["outcome"].to_numpy()[resolved_in_month]
    m.overturn_rate = _rate(
        int(np.isin(outcomes, RECOVERED_OUTCOMES).sum()), int(resolved_in_month.sum())
    )


def _volume(m: Measures, d: pd.DataFrame, touched: np.ndarray) -> None:
    touches = d["touches"].to_numpy()
    m.touches_per_denial = _ratio(int(touches.sum()), len(d))
    m.rework_rate = _rate(int((touches >= 3).sum()), len(d))
    minutes = d["minutes"]
    given = minutes.notna().to_numpy()
    m.minutes_per_denial = _ratio(int(minutes[given].sum()), int(given.sum()))


def _queue(
    m: Measures,
    d: pd.DataFrame,
    month: _Month,
    milestones: Milestones,
    received: np.ndarray,
    open_at_end: np.ndarray,
    touched: np.ndarray,
) -> None:
    n = len(d)
    ends = np.full(n, month.end)
    waited = _elapsed(received, ends, month.holidays)
    last = d["last_touch"].to_numpy().astype("datetime64[D]")
    since_last = np.zeros(n, dtype="int64")
    since_last[touched] = _elapsed(last[touched], ends[touched], month.holidays)
    no_touch = open_at_end & ~touched & (waited > milestones.first_touch)
    stale = open_at_end & touched & (since_last > milestones.follow_up)
    late = open_at_end & ~no_touch & ~stale & (waited > milestones.resolution)
    overdue = no_touch | stale | late
    amounts = d["amount_denied_cents"].to_numpy()
    m.overdue_count = int(overdue.sum())
    m.overdue_value_cents = int(amounts[overdue].sum())
    milestone = np.where(no_touch, "first_touch", np.where(stale, "follow_up", "resolution"))
    days_over = np.where(
        no_touch,
        waited - milestones.first_touch,
        np.where(stale, since_last - milestones.follow_up, waited - milestones.resolution),
    )
    ranked = _by_amount(d.assign(milestone=milestone, days_overdue=days_over, _overdue=overdue))
    m.overdue_top_decile_share = _top_decile_share(ranked, m.overdue_value_cents)
    listed = ranked[ranked["_overdue"].to_numpy()].head(OVERDUE_LIST_LIMIT)
    m.overdue = [
        {
            "denial_id": str(row.denial_id),
            "claim_id": str(row.claim_id),
            "payer": str(row.payer),
            "reason": str(row.carc),
            "amount_cents": int(row.amount_denied_cents),
            "received_on": pd.Timestamp(row.received_on).date().isoformat(),
            "milestone": str(row.milestone),
            "days_overdue": int(row.days_overdue),
        }
        for row in cast(Iterable[Any], listed.itertuples(index=False))
    ]
    ages = (np.datetime64(month.end, "D") - received).astype("int64")
    m.ageing = _ageing(d[open_at_end], ages[open_at_end])
    m.backlog_by_payer = _backlog(d[open_at_end])


def _by_amount(d: pd.DataFrame) -> pd.DataFrame:
    """The denials by amount denied, largest first, ties by denial id (the overdue list's order
    and the top decile's)."""
    return d.sort_values(
        ["amount_denied_cents", "denial_id"], ascending=[False, True], kind="stable"
    )


def _top_decile_share(ranked: pd.DataFrame, overdue_value: int) -> Decimal | None:
    """The share of the overdue value in the top decile of ``ranked`` (:func:`_by_amount`)."""
    if overdue_value == 0:
        return None
    top = ranked.head(math.ceil(len(ranked) / 10))
    in_top = int(top.loc[top["_overdue"], "amount_denied_cents"].sum())
    return _rate(in_top, overdue_value)


def _ageing(open_rows: pd.DataFrame, ages: np.ndarray) -> list[dict[str, Any]]:
    if open_rows.empty:
        return []
    labels = np.select(
        [ages <= 30, ages <= 60, ages <= 90], ["0-30", "31-60", "61-90"], default="90+"
    )
    frame = pd.DataFrame(
        {
            "reason": open_rows["carc"].to_numpy(),
            "bucket": labels,
            "value": open_rows["amount_denied_cents"].to_numpy(),
        }
    )
    counts = frame.pivot_table(
        index="reason", columns="bucket", values="value", aggfunc="size", fill_value=0
    )
    values = frame.groupby("reason")["value"].sum()
    out = []
    for reason in sorted(counts.index, key=lambda r: (-int(values[r]), str(r))):
        row: dict[str, Any] = {"reason": str(reason)}
        for label, _low, _high in AGE_BUCKETS:
            row[label] = int(counts[label][reason]) if label in counts.columns else 0
        row["value_cents"] = int(values[reason])
        out.append(row)
    return out


def _backlog(open_rows: pd.DataFrame) -> list[dict[str, Any]]:
    if open_rows.empty:
        return []
    grouped = open_rows.groupby("payer").agg(
        denials=("denial_id", "size"), value_cents=("amount_denied_cents", "sum")
    )
    grouped = grouped.reset_index().sort_values(
        ["value_cents", "payer"], ascending=[False, True], kind="stable"
    )
    return [
        {"payer": str(payer), "count": int(count), "value_cents": int(value)}
        for payer, count, value in zip(
            grouped["payer"], grouped["denials"], grouped["value_cents"], strict=True
        )
    ]


def first_touch_days(
    frames: LogFrames, *, period: str, holidays: Iterable[dt.date] = ()
) -> pd.Series:
    """Business days from received to first touch per denial id (missing: never touched)."""
    month = _month(period, holidays)
    d = _per_denial(frames, month)
    touched = d["touches"].to_numpy() > 0
    days = pd.Series(pd.NA, index=d.index, dtype="Int64")
    days[touched] = _elapsed(
        _days(d["received_on"].to_numpy()[touched]),
        d["first_touch"].to_numpy().astype("datetime64[D]")[touched],
        month.holidays,
    )
    return days
