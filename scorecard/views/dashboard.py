"""The dashboard and the organization switcher."""

from __future__ import annotations

import functools

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from disputes import selectors as dispute_selectors
from scorecard import page_selectors as reads

from .base import SESSION_KEY, page, render_page, scoped


@page()
def dashboard(request: HttpRequest) -> HttpResponse:
    """Every vendor's standing and score, the vendor x KPI grid, and what needs attention."""
    org = request.seat.organization  # type: ignore[attr-defined]
    scope = functools.partial(scoped, request)
    disputes, disputes_total = dispute_selectors.overdue_disputes_bounded(
        user=request.user, organization_id=org.pk, limit=reads.list_limit()
    )
    return render_page(
        request,
        "scorecard/dashboard.html",
        {
            "board": reads.dashboard(org, timezone.localdate(), scope),
            "period": reads.latest_period(org, scope),
            "unanswered_disputes": disputes,
            "unanswered_disputes_total": disputes_total,
        },
    )


@require_POST
@page()
def organization_switch(request: HttpRequest) -> HttpResponse:
    """Make another of the member's organizations the current one (kept in the session)."""
    seat = request.seat  # type: ignore[attr-defined]
    wanted = request.POST.get("organization", "")
    ids = {m.organization_id for m in seat.memberships}
    if not wanted.isdigit() or int(wanted) not in ids:
        # Not one of the member's organizations: it does not exist for them.
        from django.http import Http404

        raise Http404("No such organization.")
    request.session[SESSION_KEY] = int(wanted)
    target = request.POST.get("next", "")
    # Records of the previous organization would answer 404: land on the dashboard unless the
    # page is organization-neutral (a list page).
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) or any(
        part.isdigit() for part in target.split("/")
    ):
        target = "/"
    return redirect(target)
