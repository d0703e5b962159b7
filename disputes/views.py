"""Pages of disputes: the practice's dispute list and answer/accept/reject forms; the vendor's
acknowledge and dispute forms on a scorecard revision and its action plan form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from disputes import selectors
from disputes.models import DisputeAttachment, DisputeStatus, Resolution
from disputes.services import acknowledgements, action_plans
from disputes.services import disputes as services
from scorecard.models import RemediationItem, Scorecard
from scorecard.views.base import get_scoped, page, render_page, scoped
from vendors import policy

RESPOND = policy.roles_with(policy.Capability.RESPOND)
ANSWER = policy.roles_with(policy.Capability.ANSWER_DISPUTES)
STEPS: dict[str, Callable[..., Any]] = {
    "answer": services.dispute_answer,
    "accept": services.dispute_accept,
    "reject": services.dispute_reject,
}


def _refusal(exc: ValidationError | PermissionDenied) -> str:
    if isinstance(exc, PermissionDenied):
        return str(exc)
    return "; ".join(exc.messages)


@page()
def dispute_list(request: HttpRequest) -> HttpResponse:
    """The organization's disputes, newest first; unanswered ones past due flagged."""
    wanted = request.GET.get("status", "")
    if wanted and wanted not in DisputeStatus.values:
        messages.error(request, f"status {wanted!r} is not one of {', '.join(DisputeStatus)}.")
        wanted = ""
    rows = list(
        scoped(request, selectors.dispute_list(user=request.user, status=wanted or None))[:200]
    )
    holidays = selectors.holidays_for(rows)
    today = timezone.localdate()
    shown = [
        selectors.dispute_payload(
            d, holidays=holidays.get(d.organization_id, frozenset()), today=today
        )
        for d in rows
    ]
    return render_page(
        request,
        "disputes/dispute_list.html",
        {"disputes": shown, "status": wanted, "statuses": DisputeStatus.choices},
    )


@page()
def dispute_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One dispute: its KPIs, files and steps, and the practice's forms."""
    dispute = get_scoped(request, selectors.dispute_list(user=request.user), pk=pk)
    holidays = selectors.holidays_for([dispute]).get(dispute.organization_id, frozenset())
    return render_page(
        request,
        "disputes/dispute_detail.html",
        {
            "dispute": selectors.dispute_payload(dispute, holidays=holidays),
            "can_decide": request.seat.can(ANSWER)  # type: ignore[attr-defined]
            and dispute.status in (DisputeStatus.OPEN, DisputeStatus.ANSWERED),
            "can_answer": dispute.status == DisputeStatus.OPEN,
            "resolutions": Resolution.choices,
        },
    )


@require_POST
@page(ANSWER)
def dispute_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """Answer, accept or reject a dispute with a reason (compliance and administrators)."""
    if step not in STEPS:
        raise Http404("No such step.")
    dispute = get_scoped(request, selectors.dispute_list(user=request.user), pk=pk)
    extra: dict[str, Any] = {}
    if step == "accept":
        extra["resolution"] = request.POST.get("resolution", "")
    try:
        STEPS[step](
            dispute=dispute, actor=request.user, reason=request.POST.get("reason", ""), **extra
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, f"Dispute {dispute.pk}: {_refusal(exc)}")
    else:
        done = {"answer": "answered", "accept": "accepted", "reject": "rejected"}[step]
        messages.success(request, f"Dispute {dispute.pk}: {done}.")
    return redirect("dispute-detail", pk=dispute.pk)


@page()
def attachment_download(request: HttpRequest, pk: int, attachment: int) -> FileResponse:
    """A dispute's file as uploaded."""
    row = get_scoped(
        request,
        DisputeAttachment.objects.all(),
        field="dispute__organization",
        dispute_id=pk,
        pk=attachment,
    )
    return FileResponse(row.file.open("rb"), as_attachment=True, filename=row.name)


@require_POST
@page(RESPOND)
def scorecard_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    """The vendor acknowledges the current revision of a scorecard."""
    card = get_scoped(request, Scorecard.objects.select_related("vendor"), pk=pk)
    try:
        acknowledgements.acknowledgement_create(
            scorecard=card, actor=request.user, note=request.POST.get("note", "")
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, f"{card.period} r{card.revision}: {_refusal(exc)}")
    else:
        messages.success(request, f"{card.period} r{card.revision}: acknowledged.")
    return redirect(reverse("vendor-detail", args=[card.vendor_id]) + "#scorecards")


def _dispute_items(request: HttpRequest, card: Scorecard) -> list[dict[str, str]]:
    """The KPIs ticked on the dispute form, each with its value and reason."""
    return [
        {
            "kpi": row.kpi_code,
            "disputed_value": request.POST.get(f"value-{row.kpi_code}", "").strip(),
            "reason": request.POST.get(f"reason-{row.kpi_code}", ""),
        }
        for row in card.kpis.all()
        if request.POST.get(f"kpi-{row.kpi_code}")
    ]


@page(RESPOND)
def scorecard_dispute(request: HttpRequest, pk: int) -> HttpResponse:
    """The vendor's dispute form: KPIs of the current revision, a reason each, files."""
    card = get_scoped(request, Scorecard.objects.select_related("vendor"), pk=pk)
    error = ""
    if request.method == "POST":
        try:
            dispute = services.dispute_open(
                scorecard=card,
                actor=request.user,
                reason=request.POST.get("reason", ""),
                items=_dispute_items(request, card),
                files=request.FILES.getlist("files"),
            )
        except (ValidationError, PermissionDenied) as exc:
            error = _refusal(exc)
        else:
            messages.success(request, f"Dispute {dispute.pk} opened.")
            return redirect("dispute-detail", pk=dispute.pk)
    return render_page(
        request,
        "disputes/scorecard_dispute.html",
        {"card": card, "kpis": list(card.kpis.all()), "error": error, "posted": request.POST},
        status=400 if error else 200,
    )


@page(RESPOND)
def action_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """The vendor's action plan form for a remediation item (text and an optional file)."""
    item = get_scoped(request, RemediationItem.objects.select_related("vendor", "kpi"), pk=pk)
    error = ""
    if request.method == "POST":
        try:
            action_plans.action_plan_submit(
                item=item,
                actor=request.user,
                text=request.POST.get("text", ""),
                upload=request.FILES.get("file"),
            )
        except (ValidationError, PermissionDenied) as exc:
            error = _refusal(exc)
        else:
            messages.success(request, f"{item.vendor.name}, {item.kpi.name}: action plan received.")
            return redirect(reverse("remediation-board") + f"#item-{item.pk}")
    return render_page(
        request,
        "disputes/action_plan.html",
        {"item": item, "plans": selectors.action_plans_of(item_id=item.pk), "error": error},
        status=400 if error else 200,
    )
