"""The member's own account: sign-out (dropping kept upload previews), password change, and the
page shown when too many wrong passwords locked a username's sign-in (django-axes)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from scorecard.forms import InvitationAcceptForm
from scorecard.services import previews as preview_services
from vendors.services import invitations

from .base import ROLE_SETS, seat_for
from .upload import session_previews


class LogoutView(auth_views.LogoutView):
    """Sign out; the previews this session kept are removed first (the session then ends)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        preview_services.previews_drop(tokens=session_previews(request))
        return super().post(request, *args, **kwargs)


class _InLayout:
    """Give an auth view's template the seat and role sets the base layout needs."""

    request: HttpRequest

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)  # type: ignore[misc]
        context.update(seat=seat_for(self.request), roles=ROLE_SETS)
        return context


class PasswordChangeView(_InLayout, auth_views.PasswordChangeView):
    """Change one's own password (the validators of AUTH_PASSWORD_VALIDATORS apply)."""


class PasswordChangeDoneView(_InLayout, auth_views.PasswordChangeDoneView):
    """The password was changed; the session stays signed in."""


def locked_out(
    request: HttpRequest, response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """The answer to a sign-in while its username is locked out (429)."""
    return render(
        request,
        "registration/locked_out.html",
        {
            "cooloff_minutes": settings.LOGIN_COOLOFF_MINUTES,
            "failure_limit": settings.LOGIN_FAILURE_LIMIT,
        },
        status=429,
    )


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """A vendor user's invitation link: choose a login once (an altered, expired or used link is
    refused with its reason, 400); then sign in."""
    try:
        invitation = invitations.invitation_check(token)
    except ValidationError as exc:
        refused: dict[str, Any] = {
            "refusal": " ".join(exc.messages),
            "seat": None,
            "roles": ROLE_SETS,
        }
        return render(request, "registration/invitation.html", refused, status=400)
    form = InvitationAcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitations.invitation_accept(
                token=token,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
            )
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, "Your login is ready; sign in.")
            return redirect("login")
    context: dict[str, Any] = {
        "invitation": invitation,
        "form": form,
        "seat": None,
        "roles": ROLE_SETS,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "registration/invitation.html", context, status=status)
