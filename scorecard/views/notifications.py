"""The person's in-app notifications (the bell's page: 50 a page, mark read or all read) and
their e-mail preferences (``/account/notifications/``). Every member; their own only."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from scorecard import selectors
from scorecard.models import InAppNotification
from scorecard.services import notifications

from .base import page, render_page

PER_PAGE = 50


def _organization_id(request: HttpRequest) -> int:
    return int(request.seat.organization.pk)  # type: ignore[attr-defined]


@page()
def notification_list(request: HttpRequest) -> HttpResponse:
    """The person's notifications of the current organization, newest first, 50 a page."""
    notes = selectors.notifications_for(
        user=request.user, organization_id=_organization_id(request)
    )
    page_obj = Paginator(notes, PER_PAGE).get_page(request.GET.get("page"))
    return render_page(request, "scorecard/notifications.html", {"page_obj": page_obj})


def _back(request: HttpRequest) -> HttpResponse:
    wanted = request.POST.get("page", "")
    suffix = f"?page={wanted}" if wanted.isdigit() else ""
    return redirect(f"/notifications/{suffix}")


@require_POST
@page()
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one of the person's notifications read (another's answers 404)."""
    try:
        notifications.notification_mark_read(
            user=request.user, pk=pk, organization_id=_organization_id(request)
        )
    except InAppNotification.DoesNotExist as exc:
        raise Http404("No such notification.") from exc
    return _back(request)


@require_POST
@page()
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    """Mark every unread notification of the person in this organization read."""
    marked = notifications.notifications_mark_all_read(
        user=request.user, organization_id=_organization_id(request)
    )
    messages.success(request, f"{marked} notification(s) marked read.")
    return _back(request)


@page()
def notification_preferences(request: HttpRequest) -> HttpResponse:
    """Which kinds of notification the person also receives by e-mail (all by default)."""
    if request.method == "POST":
        wanted = {
            kind: request.POST.get(f"email_{kind}") == "on" for kind in notifications.KIND_LABELS
        }
        notifications.notification_preferences_set(
            user=request.user, by_email=wanted, organization_id=_organization_id(request)
        )
        messages.success(request, "Notification preferences saved.")
        return redirect("notification-preferences")
    current = notifications.notification_preferences(user=request.user)
    kinds = [
        {"kind": kind, "label": label, "by_email": current[kind]}
        for kind, label in notifications.KIND_LABELS.items()
    ]
    return render_page(request, "scorecard/notification_preferences.html", {"kinds": kinds})
