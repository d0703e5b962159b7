"""Early warning over stored scorecards: project each KPI of newly written scorecards, flag it
at risk (beside its status) and notify once per KPI and episode.

Called once after an evaluation wrote its scorecards (``scorecards_warn``); the arithmetic is
``scorecard.early_warning``. An episode is a run of consecutive evaluated months in which the KPI
is at risk; it ends when the KPI is no longer at risk or breaches, and the next run is a new one.
Only a vendor's newest scorecard notifies (a back-filled history does not).
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.urls import reverse

from scorecard import early_warning as ew
from scorecard.models import Scorecard, ScorecardKPI
from scorecard.services import notifications
from vendors import bulk as db

AT_RISK_KIND = "at_risk"
CHUNK = 2000

type Key = tuple[int, str, str]  # vendor id, period, KPI code


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]


def _history(
    cards: dict[int, dict[str, Any]],
) -> tuple[dict[int, list[str]], dict[Key, Decimal | None]]:
    """Each vendor's evaluated periods (current scorecards, oldest first) and the KPI values of
    the months the cards' windows need (the last ``ew.WINDOW`` evaluated months up to each card's
    period): what a new month reads does not grow with the history behind it."""
    vendor_ids = sorted({c["vendor_id"] for c in cards.values()})
    ids_of: dict[tuple[int, str], int] = {}
    for chunk in _chunks(vendor_ids):
        for card_id, vendor_id, period in Scorecard.objects.filter(
            vendor_id__in=chunk, is_current=True
        ).values_list("id", "vendor_id", "period"):
            ids_of[(vendor_id, period)] = card_id
    periods: dict[int, list[str]] = defaultdict(list)
    for vendor_id, period in sorted(ids_of):
        periods[vendor_id].append(period)
    needed: set[int] = set()
    for card in cards.values():
        own = periods[card["vendor_id"]]
        upto = bisect.bisect_right(own, card["period"])
        needed.update(ids_of[(card["vendor_id"], p)] for p in own[max(0, upto - ew.WINDOW) : upto])
    values: dict[Key, Decimal | None] = {}
    for chunk in _chunks(sorted(needed)):
        for vendor_id, period, code, value in ScorecardKPI.objects.filter(
            scorecard_id__in=chunk
        ).values_list("scorecard__vendor_id", "scorecard__period", "kpi_code", "value"):
            values[(vendor_id, period, code)] = value
    return dict(periods), values


def _flags(rows: list[ScorecardKPI], cards: dict[int, dict[str, Any]]) -> dict[Key, bool]:
    """The stored at-risk flags of these rows' vendors and KPIs (only the rows at risk: a
    missing key is a month not at risk)."""
    vendor_ids = sorted({cards[r.scorecard_id]["vendor_id"] for r in rows})
    codes = sorted({r.kpi_code for r in rows})
    flags: dict[Key, bool] = {}
    for chunk in _chunks(vendor_ids):
        for vendor_id, period, code in ScorecardKPI.objects.filter(
            scorecard__vendor_id__in=chunk,
            scorecard__is_current=True,
            kpi_code__in=codes,
            at_risk=True,
        ).values_list("scorecard__vendor_id", "scorecard__period", "kpi_code"):
            flags[(vendor_id, period, code)] = True
    return flags


def projection_json(projection: ew.Projection) -> list[dict[str, str]]:
    """The projected values as stored and served: ``[{"period", "value"}]``."""
    return [{"period": p, "value": format(v, "f")} for p, v in projection.values]


def _episode_start(periods: list[str], flags: dict[Key, bool], key: Key) -> str:
    """The first period of the run of consecutive at-risk months that ends with ``key``'s."""
    vendor_id, period, code = key
    start = period
    index = periods.index(period)
    while index > 0 and flags.get((vendor_id, periods[index - 1], code)):
        index -= 1
        start = periods[index]
    return start


def at_risk_message(
    row: ScorecardKPI, *, card: dict[str, Any], vendor_name: str, start: str
) -> notifications.Message:
    """A KPI became at risk (once per KPI and episode)."""
    values = ", ".join(f"{p['period']}: {p['value']}" for p in row.projection or [])
    return notifications.Message(
        organization_id=card["organization_id"],
        key=f"{AT_RISK_KIND}:{card['vendor_id']}:{row.kpi_code}:{start}",
        kind=AT_RISK_KIND,
        subject=(
            f"At risk: {vendor_name} {row.kpi_name} projected to breach in "
            f"{row.projected_breach_period}"
        ),
        body=(
            f"{vendor_name}'s {row.kpi_name} ({row.kpi_code}) is {row.status} in {card['period']} "
            f"but its trend over the last six months is projected strictly worse than the "
            f"warning threshold {format(row.warning.normalize(), 'f')} in "
            f"{row.projected_breach_period}.\nProjected: {values}\n"
        ),
        link=reverse("vendor-detail", args=[card["vendor_id"]]),
    )


def scorecards_warn(*, scorecard_ids: list[int], notify: bool = True) -> int:
    """Project every KPI of these scorecards (the current ones among them) and store the
    projection and the at-risk flag on their rows; then notify the new episodes. The number of
    KPI rows at risk."""
    cards: dict[int, dict[str, Any]] = {
        c["id"]: dict(c)
        for chunk in _chunks(sorted(scorecard_ids))
        for c in Scorecard.objects.filter(pk__in=chunk, is_current=True).values(
            "id", "vendor_id", "organization_id", "period", "vendor__name"
        )
    }
    if not cards:
        return 0
    periods, values = _history(cards)
    rows = [
        row
        for chunk in _chunks(sorted(cards))
        for row in ScorecardKPI.objects.filter(scorecard_id__in=chunk)
    ]
    for row in rows:
        card = cards[row.scorecard_id]
        own = periods[card["vendor_id"]]
        window = own[max(0, bisect.bisect_right(own, card["period"]) - ew.WINDOW) :]
        window = [p for p in window if p <= card["period"]]
        history = [(p, values.get((card["vendor_id"], p, row.kpi_code))) for p in window]
        got = ew.project(history, status=row.status, direction=row.direction, warning=row.warning)
        row.projection = None if got is None else projection_json(got)
        row.at_risk = bool(got and got.at_risk)
        row.projected_breach_period = (got and got.breach_period) or ""
    with transaction.atomic():
        db.update_rows(
            ScorecardKPI,
            ["at_risk", "projected_breach_period", "projection"],
            [
                (row.at_risk, row.projected_breach_period, row.projection, row.pk)
                for row in rows
                if row.projection is not None
            ],
        )
    if notify:
        _notify(rows, cards=cards, periods=periods)
    return sum(1 for row in rows if row.at_risk)


def _notify(
    rows: list[ScorecardKPI],
    *,
    cards: dict[int, dict[str, Any]],
    periods: dict[int, list[str]],
) -> int:
    """Tell of each at-risk KPI of a vendor's newest scorecard, once per episode."""
    newest = [
        row
        for row in rows
        if row.at_risk
        and cards[row.scorecard_id]["period"] == periods[cards[row.scorecard_id]["vendor_id"]][-1]
    ]
    if not newest:
        return 0
    flags = _flags(newest, cards)
    messages = []
    for row in newest:
        card = cards[row.scorecard_id]
        key = (card["vendor_id"], card["period"], row.kpi_code)
        start = _episode_start(periods[card["vendor_id"]], flags, key)
        messages.append(
            at_risk_message(row, card=card, vendor_name=card["vendor__name"], start=start)
        )
    return notifications.messages_send(messages)
