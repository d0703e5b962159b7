"""Reads of scorecards, remediation items and termination rights shared by the API, the CLI,
the pages and the PDF; every read for a user is scoped with ``vendors.selectors.scope_for_user``.

``scorecard_payload`` is the one JSON shape of a scorecard (API, ``show_scorecard --json``, PDF):
it is built only from the frozen snapshot rows, so later edits of contracts never change it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Model, Prefetch, QuerySet

from scorecard.models import (
    InAppNotification,
    RemediationEvent,
    RemediationItem,
    Scorecard,
    ScorecardKPI,
    TerminationRight,
)
from vendors.selectors import scope_for_user

if TYPE_CHECKING:
    from vendors.models import Organization, Vendor
    from vendors.selectors import AnyUser


def number(value: Decimal | None) -> str | None:
    """A stored decimal as plain text without trailing zeros (``95.000000`` -> ``"95"``)."""
    if value is None:
        return None
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def fixed2(value: Decimal | None) -> str | None:
    """Money, points and scores with exactly two decimals (``"1234.50"``)."""
    return None if value is None else f"{value:.2f}"


def _scorecards() -> QuerySet[Scorecard]:
    return Scorecard.objects.select_related("vendor", "organization").prefetch_related(
        Prefetch("kpis", queryset=ScorecardKPI.objects.order_by("display_order", "kpi_code"))
    )


def _for_vendor[M: Model](qs: QuerySet[M], vendor: str) -> QuerySet[M]:
    """Filter by a vendor named by id or by slug (the API accepts either)."""
    return qs.filter(vendor__pk=int(vendor)) if vendor.isdigit() else qs.filter(vendor__slug=vendor)


def scorecard_list(
    *,
    user: AnyUser,
    vendor: str | None = None,
    period: str | None = None,
    current_only: bool = True,
) -> QuerySet[Scorecard]:
    """Scorecards the user may see (current revisions unless asked), KPI rows prefetched.

    ``vendor`` is a vendor slug (or id); ``period`` a ``YYYY-MM``.
    """
    qs = scope_for_user(_scorecards(), user)
    if current_only:
        qs = qs.filter(is_current=True)
    if vendor:
        qs = _for_vendor(qs, vendor)
    if period:
        qs = qs.filter(period=period)
    return qs.order_by("-period", "vendor__name", "-revision")


def scorecard_current(*, vendor: Vendor, period: str) -> Scorecard | None:
    """The vendor's current scorecard for a period (the CLI and PDF read it), or None."""
    return _scorecards().filter(vendor=vendor, period=period, is_current=True).first()


def kpi_payload(row: ScorecardKPI) -> dict[str, Any]:
    """One KPI row of a scorecard as JSON-ready data."""
    return {
        "kpi": row.kpi_code,
        "name": row.kpi_name,
        "unit": row.unit,
        "direction": row.direction,
        "value": number(row.value),
        "stated_value": number(row.stated_value),
        "recomputed_value": number(row.recomputed_value),
        "status": row.status,
        "points": fixed2(row.points),
        "benchmark": number(row.benchmark),
        "warning": number(row.warning),
        "weight": number(row.weight),
        "previous_value": number(row.previous_value),
        "change": number(row.change),
        "trailing_3m_average": number(row.trailing_3m_average),
        "at_risk": row.at_risk,
        "projected_breach_period": row.projected_breach_period or None,
        "projected_values": row.projection,
    }


def _evidence_of(snap: dict[str, Any], code: str) -> dict[str, Any]:
    """A KPI's value in the payers' remittances and which value was evaluated (issue #13)."""
    row = ((snap.get("evidence") or {}).get("kpis") or {}).get(code) or {}
    return {"evidence_value": row.get("evidence"), "evaluated_from": row.get("evaluated", "report")}


_LOOK_UP = object()


def scorecard_payload(
    card: Scorecard, *, rescoring: bool = False, denial_work: Any = _LOOK_UP
) -> dict[str, Any]:
    """A scorecard as issued, JSON-ready: the same fields in the API, the CLI and the PDF.

    Built from the scorecard's own rows and frozen snapshot, plus ``rescoring``: True while an
    input change is still being re-scored for its vendor (a newer revision may follow), and
    ``denial_work``: the vendor-month's current denial-work measures (looked up, one query,
    unless the caller read a page of them at once), or None.
    """
    if denial_work is _LOOK_UP:
        from worklogs.selectors import denial_work_payload

        denial_work = denial_work_payload(card.vendor_id, card.period)
    snap = card.snapshot or {}
    vendor = snap.get("vendor") or {}
    contract = snap.get("contract") or {}
    report = snap.get("report")
    return {
        "id": card.pk,
        "vendor": vendor.get("slug"),
        "vendor_name": vendor.get("name"),
        "period": card.period,
        "revision": card.revision,
        "issued_at": card.issued_at.isoformat(),
        "overall_score": fixed2(card.overall_score),
        "standing": card.standing,
        "kpis": [
            {**kpi_payload(row), **_evidence_of(snap, row.kpi_code)} for row in card.kpis.all()
        ],
        "evidence": (snap.get("evidence") or {}).get("measures"),
        "findings": snap.get("findings", []),
        "report": report,
        "report_late": card.report_late,
        "report_status": card.report_status,
        "report_due_date": card.report_due_date.isoformat() if card.report_due_date else None,
        "currency": card.currency,
        "fee": fixed2(card.fee),
        "credit": fixed2(card.credit),
        "at_risk_amount": snap.get("at_risk_amount"),
        "effective_rate": number(card.effective_rate),
        "cost_per_claim": number(card.cost_per_claim),
        "payments": snap.get("payments"),
        "claims_submitted": snap.get("claims_submitted"),
        "contract": contract,
        "remediations": snap.get("remediations", []),
        "termination_rights": snap.get("termination_rights", []),
        "rescoring": rescoring,
        "denial_work": denial_work,
    }


# --- Remediation ------------------------------------------------------------------------------
def _remediations() -> QuerySet[RemediationItem]:
    return RemediationItem.objects.select_related("vendor", "kpi", "contract").prefetch_related(
        Prefetch("events", queryset=RemediationEvent.objects.select_related("actor"))
    )


def remediation_list(
    *,
    user: AnyUser,
    vendor: str | None = None,
    status: str | None = None,
    kind: str | None = None,
    open_only: bool = False,
) -> QuerySet[RemediationItem]:
    """Remediation items the user may see, with their events (who, when, why)."""
    qs = scope_for_user(_remediations(), user)
    if vendor:
        qs = _for_vendor(qs, vendor)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if open_only:
        qs = qs.exclude(status__in=["closed", "waived"])
    return qs.order_by("opened_period", "id")


def remediations_for_organization(*, organization: Organization) -> QuerySet[RemediationItem]:
    """All remediation items of an organization, oldest first (pages and PDF)."""
    return _remediations().filter(organization=organization).order_by("opened_period", "id")


def remediation_payload(item: RemediationItem) -> dict[str, Any]:
    """A remediation item with its history, JSON-ready."""
    return {
        "id": item.pk,
        "vendor": item.vendor.slug,
        "vendor_name": item.vendor.name,
        "contract": item.contract_id,
        "kpi": item.kpi.code,
        "kpi_name": item.kpi.name,
        "kind": item.kind,
        "status": item.status,
        "opened_period": item.opened_period,
        "cure_deadline": item.cure_deadline.isoformat() if item.cure_deadline else None,
        "meeting_streak": item.meeting_streak,
        "verified": item.verified,
        "closed_at": item.closed_at.isoformat() if item.closed_at else None,
        "events": [
            {
                "from_status": e.from_status,
                "to_status": e.to_status,
                "actor": e.actor.get_username() if e.actor else None,
                # kept when the user is deleted; blank when the evaluation moved it
                "actor_name": e.actor_name or (e.actor.get_username() if e.actor else ""),
                "at": e.at.isoformat(),
                "reason": e.reason,
                "period": e.period,
            }
            for e in item.events.all()
        ],
    }


def termination_rights_for(
    *,
    user: AnyUser | None = None,
    organization: Organization | None = None,
    include_withdrawn: bool = False,
) -> QuerySet[TerminationRight]:
    """Raised termination rights, newest first, scoped to a user or an organization; those
    withdrawn on re-scoring (kept as history) only when asked."""
    qs = TerminationRight.objects.select_related("vendor", "kpi", "contract").order_by(
        "-raised_at", "-id"
    )
    if not include_withdrawn:
        qs = qs.filter(withdrawn_at__isnull=True)
    if user is not None:
        qs = scope_for_user(qs, user)
    if organization is not None:
        qs = qs.filter(organization=organization)
    return qs


# --- PDF scorecards (PDF/jobs engineer) -------------------------------------------------------
def scorecard_for_pdf(scorecard_id: int) -> Scorecard:
    """A scorecard revision with everything its document shows loaded once."""
    return (
        Scorecard.objects.select_related("organization", "vendor", "contract", "report")
        .prefetch_related("kpis")
        .get(pk=scorecard_id)
    )


def kpi_history(*, scorecard: Scorecard, months: int = 12) -> dict[str, list[Any]]:
    """Each KPI's value, benchmark, warning and status over the ``months`` periods ending with
    the scorecard's own, from the current scorecards of the same vendor (this revision for its
    own period), keyed by KPI code, oldest first, from the first period found."""
    # Imported here: the PDF's chart module pulls in matplotlib, which list pages never need.
    from scorecard.charts import TrendPoint
    from vendors.periods import periods_ending

    periods = periods_ending(scorecard.period, months)
    earlier = periods[:-1]
    rows = list(
        ScorecardKPI.objects.filter(
            scorecard__organization_id=scorecard.organization_id,
            scorecard__vendor_id=scorecard.vendor_id,
            scorecard__is_current=True,
            scorecard__period__in=earlier,
        )
        .values_list("scorecard__period", "kpi_code", "value", "benchmark", "warning", "status")
        .order_by("scorecard__period")
    )
    rows += [
        (scorecard.period, k.kpi_code, k.value, k.benchmark, k.warning, k.status)
        for k in scorecard.kpis.all()
    ]
    by_code: dict[str, dict[str, TrendPoint]] = {}
    for period, code, value, benchmark, warning, status in rows:
        by_code.setdefault(code, {})[period] = TrendPoint(period, value, benchmark, warning, status)
    out: dict[str, list[TrendPoint]] = {}
    for code, found in by_code.items():
        # A month without a scorecard stays on the axis as a gap, drawn with the last thresholds.
        first = min(found)
        points: list[TrendPoint] = []
        for period in periods:
            if period < first:
                continue
            point = found.get(period)
            if point is None:
                last = points[-1]
                point = TrendPoint(period, None, last.benchmark, last.warning, "not_reported")
            points.append(point)
        out[code] = points
    return out


def notifications_for(
    *, user: AnyUser, organization_id: int | None = None
) -> QuerySet[InAppNotification]:
    """The person's own in-app notifications, newest first (of one organization when given)."""
    qs = InAppNotification.objects.filter(recipient_id=getattr(user, "pk", None) or 0)
    if organization_id is not None:
        qs = qs.filter(organization_id=organization_id)
    return qs.select_related("organization").order_by("-created", "-pk")
