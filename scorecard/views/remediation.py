"""The remediation board: items by status and deadline, transitions with a reason, history."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from scorecard import remediation as rules
from scorecard import selectors
from scorecard.models import RemediationItem, RemediationStatus
from scorecard.services import remediation as remediation_services

from .base import MOVE_REMEDIATION, get_scoped, page, render_page, scoped

BOARD_COLUMNS = [
    RemediationStatus.OPEN,
    RemediationStatus.ACTION_PLAN_RECEIVED,
    RemediationStatus.IN_PROGRESS,
    RemediationStatus.VERIFYING,
    RemediationStatus.ESCALATED,
]
LABELS = dict(RemediationStatus.choices)


def _items(request: HttpRequest):  # type: ignore[no-untyped-def]
    """The current organization's items, with their history (scoped to the member)."""
    return scoped(request, selectors.remediation_list(user=request.user))


def _choices(item: RemediationItem) -> list[tuple[str, str]]:
    """Statuses a person may move the item to (the rules module is the authority)."""
    allowed = set(rules.MANUAL_TRANSITIONS.get(item.status, frozenset()))
    if item.kind == rules.ROOT_CAUSE_REVIEW and item.status not in rules.TERMINAL:
        allowed.add(rules.CLOSED)
    return [(s, LABELS[s]) for s in RemediationStatus.values if s in allowed]


@page()
def board(request: HttpRequest) -> HttpResponse:
    """Open items in columns by status, soonest deadline first; closed and waived below."""
    # Soonest deadline first; advisory items without a deadline after those with one.
    items = sorted(
        _items(request),
        key=lambda i: (i.cure_deadline is None, i.cure_deadline or dt.date.max, i.pk),
    )
    today = timezone.localdate()
    for item in items:
        item.choices = _choices(item)  # type: ignore[attr-defined]
        item.overdue = bool(  # type: ignore[attr-defined]
            item.cure_deadline and item.cure_deadline < today and item.status not in rules.TERMINAL
        )
    columns = [
        {"status": s, "label": LABELS[s], "items": [i for i in items if i.status == s]}
        for s in BOARD_COLUMNS
    ]
    finished = [i for i in items if i.status in rules.TERMINAL]
    return render_page(
        request,
        "scorecard/remediation_board.html",
        {"columns": columns, "finished": finished, "can_move": request.seat.can(MOVE_REMEDIATION)},  # type: ignore[attr-defined]
    )


@require_POST
@page(MOVE_REMEDIATION)
def transition(request: HttpRequest, pk: int) -> HttpResponse:
    """Move one item to another status with a reason (compliance and administrators)."""
    item = get_scoped(request, RemediationItem.objects.all(), pk=pk)
    to_status = request.POST.get("to_status", "")
    reason = request.POST.get("reason", "").strip()
    try:
        remediation_services.remediation_transition(
            item=item, to_status=to_status, reason=reason, actor=request.user
        )
    except ValidationError as exc:
        text = "; ".join(getattr(exc, "messages", None) or [str(exc)])
        messages.error(request, f"{item.vendor.name}, {item.kpi.name}: {text}")
    else:
        messages.success(
            request,
            f"{item.vendor.name}, {item.kpi.name}: moved to {LABELS.get(to_status, to_status)}.",
        )
    return redirect(reverse("remediation-board") + f"#item-{item.pk}")
