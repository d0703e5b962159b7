"""Reads of disputes, acknowledgements and action plans for the API, the pages and the
dashboard; every read for a user is scoped with ``vendors.selectors.scope_for_user``."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from scorecard.selectors import number
from vendors import selectors as vendor_selectors
from vendors.selectors import scope_for_user

from . import rules
from .models import Acknowledgement, ActionPlan, Dispute

if TYPE_CHECKING:
    from vendors.selectors import AnyUser


def _disputes() -> QuerySet[Dispute]:
    return (
        Dispute.objects.select_related("vendor", "scorecard", "resolved_by")
        .defer("scorecard__snapshot", "resolved_by__snapshot")  # never shown with a dispute
        .prefetch_related("items", "events", "attachments")
    )


def dispute_list(
    *,
    user: AnyUser,
    vendor: str | None = None,
    period: str | None = None,
    status: str | None = None,
) -> QuerySet[Dispute]:
    """Disputes the user may see, newest first; ``vendor`` by id or slug."""
    qs = scope_for_user(_disputes(), user)
    if vendor:
        qs = (
            qs.filter(vendor__pk=int(vendor))
            if vendor.isdigit()
            else qs.filter(vendor__slug=vendor)
        )
    if period:
        qs = qs.filter(period=period)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-opened_at", "-id")


def answer_due(dispute: Dispute, holidays: frozenset[dt.date]) -> dt.date:
    """The last day to answer the dispute (``DISPUTE_ANSWER_BUSINESS_DAYS`` business days)."""
    opened_on = timezone.localdate(dispute.opened_at)
    return rules.answer_due_date(opened_on, settings.DISPUTE_ANSWER_BUSINESS_DAYS, holidays)


def overdue(dispute: Dispute, holidays: frozenset[dt.date], today: dt.date) -> bool:
    """Whether an open dispute is unanswered past its answer due date."""
    return rules.is_overdue(
        status=dispute.status,
        opened_on=timezone.localdate(dispute.opened_at),
        today=today,
        business_days=settings.DISPUTE_ANSWER_BUSINESS_DAYS,
        holidays=holidays,
    )


def holidays_for(disputes: list[Dispute]) -> dict[int, frozenset[dt.date]]:
    """Each organization's holidays for a page of disputes (one query)."""
    return vendor_selectors.holidays_by_organization(
        organization_ids=sorted({d.organization_id for d in disputes})
    )


def dispute_payload(
    dispute: Dispute, *, holidays: frozenset[dt.date], today: dt.date | None = None
) -> dict[str, Any]:
    """The one JSON shape of a dispute (API and pages)."""
    today = today or timezone.localdate()
    return {
        "id": dispute.pk,
        "vendor": dispute.vendor.slug,
        "vendor_name": dispute.vendor.name,
        "scorecard": dispute.scorecard_id,
        "revision": dispute.scorecard.revision,
        "period": dispute.period,
        "status": dispute.status,
        "reason": dispute.reason,
        "opened_by": dispute.opened_by_name,
        "opened_at": dispute.opened_at,
        "answer_due": answer_due(dispute, holidays),
        "overdue": overdue(dispute, holidays, today),
        "resolution": dispute.resolution or None,
        "resolved_by": dispute.resolved_by_id,
        "resolved_by_revision": dispute.resolved_by.revision if dispute.resolved_by else None,
        "closed_at": dispute.closed_at,
        "items": [
            {
                "kpi": item.kpi_code,
                "kpi_name": item.kpi_name,
                "unit": item.unit,
                "scorecard_value": number(item.scorecard_value),
                "disputed_value": number(item.disputed_value),
                "reason": item.reason,
            }
            for item in dispute.items.all()
        ],
        "events": [
            {
                "from_status": e.from_status or None,
                "to_status": e.to_status,
                "actor_name": e.actor_name,
                "at": e.at,
                "reason": e.reason,
            }
            for e in dispute.events.all()
        ],
        "attachments": [
            {"id": a.pk, "name": a.name, "size_bytes": a.size_bytes, "sha256": a.sha256}
            for a in dispute.attachments.all()
        ],
    }


def overdue_disputes(
    *, user: AnyUser, organization_id: int, today: dt.date | None = None
) -> list[dict[str, Any]]:
    """The organization's open disputes the user may see unanswered past their answer due date
    (dashboard), as ``dispute_payload``s, oldest first."""
    today = today or timezone.localdate()
    holidays = vendor_selectors.holidays_of(organization_id=organization_id)
    open_ = scope_for_user(_disputes(), user).filter(
        organization_id=organization_id, status=rules.OPEN
    )
    return [
        dispute_payload(d, holidays=holidays, today=today)
        for d in open_.order_by("opened_at", "id")
        if overdue(d, holidays, today)
    ]


def _last_overdue_opening(today: dt.date, holidays: frozenset[dt.date]) -> dt.date:
    """The newest opening day whose answer was due before ``today`` (the due date grows with the
    opening day, so every dispute opened on or before it is overdue while open)."""
    day = today
    while rules.answer_due_date(day, settings.DISPUTE_ANSWER_BUSINESS_DAYS, holidays) >= today:
        day -= dt.timedelta(days=1)
    return day


def overdue_disputes_bounded(
    *, user: AnyUser, organization_id: int, limit: int, today: dt.date | None = None
) -> tuple[list[dict[str, Any]], int]:
    """The oldest ``limit`` of ``overdue_disputes`` and how many there are (the dashboard's
    bounded list): only those rows are read."""
    today = today or timezone.localdate()
    holidays = vendor_selectors.holidays_of(organization_id=organization_id)
    last = _last_overdue_opening(today, holidays)
    before = timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time()))
    open_ = scope_for_user(_disputes(), user).filter(
        organization_id=organization_id, status=rules.OPEN, opened_at__lt=before
    )
    shown = [
        dispute_payload(d, holidays=holidays, today=today)
        for d in open_.order_by("opened_at", "id")[:limit]
    ]
    return shown, open_.count()


def acknowledgement_of(*, scorecard_id: int) -> Acknowledgement | None:
    """A scorecard revision's acknowledgement, if any."""
    return Acknowledgement.objects.filter(scorecard_id=scorecard_id).first()


def action_plans_of(*, item_id: int) -> QuerySet[ActionPlan]:
    """A remediation item's action plans, newest first."""
    return ActionPlan.objects.filter(item_id=item_id).order_by("-submitted_at", "-id")
