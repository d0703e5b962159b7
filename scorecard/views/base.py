"""What every page needs: the signed-in member's current organization, role checks, scoping."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.db.models import Count, Model, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render

from scorecard.models import InAppNotification
from vendors import periods as bd
from vendors import policy
from vendors.models import PERIOD_VALIDATOR, Membership, Organization, Role
from vendors.policy import Capability
from vendors.selectors import scope_for_user

SESSION_KEY = "current_organization_id"

# Who may do what on the pages, as the role policy says (the server enforces it; the templates
# only hide buttons and money).
READ = policy.roles_with(Capability.READ)
FINANCE = policy.roles_with(Capability.SEE_MONEY)
COMPLIANCE = policy.roles_with(Capability.SEE_COMPLIANCE)
MOVE_REMEDIATION = policy.roles_with(Capability.MOVE_REMEDIATION)
UPLOAD = policy.roles_with(Capability.UPLOAD)
ADMIN = policy.roles_with(Capability.MANAGE)
PRACTICE = policy.roles_with(Capability.SEE_PRACTICE)


@dataclass(frozen=True)
class Seat:
    """Where the member sits: the current organization, the role there, and the others."""

    organization: Organization
    role: str
    memberships: list[Membership]
    vendor_id: int | None = None  # a vendor user's own vendor (the policy scopes every read)
    unread: int = 0  # the person's unread notifications in this organization (the bell)

    def can(self, roles: frozenset[str]) -> bool:
        """Whether the role in the current organization is one of ``roles``."""
        return self.role in roles

    def may(self, capability: Capability) -> bool:
        """Whether the role in the current organization holds a capability of the policy."""
        return policy.can(self.role, capability)

    @property
    def capabilities(self) -> dict[str, bool]:
        """Every capability of the policy by name, for the templates (``may.see_money``)."""
        return {c.value: policy.can(self.role, c) for c in Capability}

    @property
    def role_label(self) -> str:
        """The role as people read it."""
        return Role(self.role).label


def seat_for(request: HttpRequest) -> Seat | None:
    """The member's current organization (kept in the session) and role; None for no membership."""
    unread = (  # the bell's count, read in the same query as the memberships
        InAppNotification.objects.filter(
            recipient_id=OuterRef("user_id"),
            organization_id=OuterRef("organization_id"),
            read_at__isnull=True,
        )
        .order_by()
        .values("recipient_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    memberships: list[Membership] = list(
        Membership.objects.filter(user_id=request.user.pk or 0)
        .select_related("organization")
        .annotate(unread=Coalesce(Subquery(unread), 0))
        .order_by("organization__name", "organization_id")
    )
    if not memberships:
        return None
    wanted = request.session.get(SESSION_KEY)
    chosen = next((m for m in memberships if m.organization_id == wanted), memberships[0])
    return Seat(
        organization=chosen.organization,
        role=chosen.role,
        memberships=memberships,
        vendor_id=chosen.vendor_id,
        unread=getattr(chosen, "unread", 0),
    )


def page(
    roles: frozenset[str] = READ,
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Decorate a page view: signed in, a member, holding one of ``roles`` (else 403).

    The view receives ``request.seat``; every query must be scoped to ``request.seat.organization``.
    """

    def decorate(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            seat = seat_for(request)
            if seat is None:
                raise PermissionDenied("You are not a member of any organization.")
            if not seat.can(roles):
                if seat.vendor_id is not None and "pk" in kwargs:
                    # A vendor user learns nothing of a record it may not use: not found.
                    raise Http404("No such record.")
                raise PermissionDenied(
                    f"Your role ({seat.role_label}) in {seat.organization.name} does not allow "
                    "this page."
                )
            request.seat = seat  # type: ignore[attr-defined]
            try:
                return view(request, *args, **kwargs)
            except BadRequest as exc:  # a query parameter refused: say which and why
                return render_page(request, "400.html", {"message": str(exc)}, status=400)

        return wrapper

    return decorate


def scoped[M: Model](request: HttpRequest, queryset: QuerySet[M], field: str = "organization"):
    """The queryset restricted to the current organization (and, by construction, the user's)."""
    seat: Seat = request.seat  # type: ignore[attr-defined]
    mine = scope_for_user(queryset, request.user, organization_field=field)
    return mine.filter(**{field: seat.organization})


def get_scoped[M: Model](
    request: HttpRequest, queryset: QuerySet[M], field: str = "organization", **lookup: Any
) -> M:
    """One record of the current organization, or 404 (another organization's never shows)."""
    return get_object_or_404(scoped(request, queryset, field), **lookup)


ROLE_SETS = {"upload": UPLOAD, "compliance": COMPLIANCE, "finance": FINANCE, "admin": ADMIN}


def render_page(
    request: HttpRequest, template: str, context: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    """Render a page with the seat (organization, role) and the role sets the layout needs."""
    seat = getattr(request, "seat", None)
    may = seat.capabilities if seat is not None else {}
    full = {"seat": seat, "roles": ROLE_SETS, "may": may, **(context or {})}
    return render(request, template, full, status=status)


def asked_period(request: HttpRequest, name: str) -> str | None:
    """A ``YYYY-MM`` query parameter (None when absent or empty); anything else is a 400 that
    names the parameter."""
    raw = request.GET.get(name, "")
    if raw == "":
        return None
    try:
        if len(raw) != len("YYYY-MM") or not raw.isascii():
            raise ValidationError("not a period")
        PERIOD_VALIDATOR(raw)
    except ValidationError as exc:
        raise BadRequest(f"{name} must be a period written YYYY-MM, like 2026-01.") from exc
    return raw


def asked_range(
    request: HttpRequest, default_end: Callable[[], str], months: int, most: int
) -> tuple[str, str]:
    """``?start=`` and ``?end=`` (by default ``default_end()`` and the ``months`` ending with it);
    a malformed, reversed or longer than ``most`` months range is a 400 naming the field."""
    end = asked_period(request, "end") or default_end()
    start = asked_period(request, "start") or bd.shift_period(end, 1 - months)
    if start > end:
        raise BadRequest("start must not be after end.")
    if bd.months_apart(start, end) >= most:
        raise BadRequest(f"start to end may span at most {most} months.")
    return start, end


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The 403 page (``handler403``) with the member's navigation: the seat is found again when
    the refusal came before the page had it (a role the page does not allow)."""
    if getattr(request, "seat", None) is None and request.user.is_authenticated:
        request.seat = seat_for(request)  # type: ignore[attr-defined]
    message = str(exception) if exception is not None and str(exception) else ""
    return render_page(request, "403.html", {"exception": message}, status=403)
