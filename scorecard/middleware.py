"""Answers for requests the server cannot serve as asked: refused query parameters (400), a busy
database (503) and a full disk (507), each with a clear message instead of a bare 500.

``FaultMiddleware`` turns a view's exception into the answer; ``server_error`` (the project's
``handler500``) does the same for an exception raised outside the view (e.g. the session saved
after it), and answers a plain 500 otherwise. Writes run in transactions, so a refused write has
stored nothing.
"""

from __future__ import annotations

import errno
import logging
import sys
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views.defaults import server_error as django_server_error

log = logging.getLogger(__name__)

BUSY_MESSAGE = "The database is busy; nothing was stored. Try again in a moment."
DISK_FULL_MESSAGE = (
    "The server's disk is full; nothing was stored. Try again later, or tell your administrator."
)
RETRY_AFTER_SECONDS = 5
# SQLite says "database is locked" when the busy timeout passes; PostgreSQL gives SQLSTATEs for
# a lock not obtained in time (55P03), a deadlock (40P01) and a cancelled statement (57014).
BUSY_SQLITE = ("database is locked", "database table is locked")
BUSY_SQLSTATES = {"55P03", "40P01", "57014"}
DISK_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
DISK_FULL_SQLITE = "database or disk is full"
DISK_FULL_SQLSTATE = "53100"


def _sqlstate(exc: BaseException) -> str | None:
    cause = exc.__cause__
    return getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)


def fault_kind(exc: BaseException) -> str | None:
    """``"busy"``, ``"disk_full"`` or None for an exception that is neither."""
    if isinstance(exc, DatabaseError):
        text = str(exc).lower()
        state = _sqlstate(exc)
        if any(words in text for words in BUSY_SQLITE) or state in BUSY_SQLSTATES:
            return "busy"
        if DISK_FULL_SQLITE in text or state == DISK_FULL_SQLSTATE:
            return "disk_full"
        return None
    if isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS:
        return "disk_full"
    return None


def fault_response(request: HttpRequest, exc: BaseException) -> HttpResponse | None:
    """The 503 (busy) or 507 (disk full) answer for ``exc``, or None for any other exception."""
    kind = fault_kind(exc)
    if kind is None:
        return None
    status, message = (503, BUSY_MESSAGE) if kind == "busy" else (507, DISK_FULL_MESSAGE)
    log.error("%s %s answered %s: %r", request.method, request.path, status, exc)
    response = _answer(request, status, message, "Busy" if kind == "busy" else "Disk full")
    if kind == "busy":
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _answer(request: HttpRequest, status: int, message: str, title: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    body: str
    try:
        body = render_to_string("fault.html", {"title": title, "message": message}, request)
    except Exception:  # the page itself may need the busy database; say it plainly then
        body = f"<!doctype html><title>{title}</title><h1>{title}</h1><p>{message}</p>"
    return HttpResponse(body, status=status)


def control_character(text: str) -> str | None:
    """The first control character (C0, DEL or C1) in ``text``, or None."""
    for char in text:
        code = ord(char)
        if code < 0x20 or 0x7F <= code <= 0x9F:
            return char
    return None


class QueryParameterMiddleware:
    """Refuse a query parameter holding a control character (NUL included): 400 naming it.

    PostgreSQL cannot compare text with NUL in it, and no parameter of ours needs one.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for name, values in request.GET.lists():
            for text in (name, *values):
                char = control_character(text)
                if char is not None:
                    shown = name.encode("unicode_escape").decode("ascii")
                    message = (
                        f"Query parameter {shown} holds a control character "
                        f"(U+{ord(char):04X}); remove it."
                    )
                    if request.path.startswith("/api/"):
                        return JsonResponse({shown: [message]}, status=400)
                    return _answer(request, 400, message, "Bad request")
        return self.get_response(request)


class PermissionsPolicyMiddleware:
    """The ``Permissions-Policy`` header (``settings.PERMISSIONS_POLICY``) on every answer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class FaultMiddleware:
    """A view's busy-database or disk-full exception as a 503 or 507 with a clear message."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        return fault_response(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """The project's 500 handler: a busy database or a full disk still get their own answer."""
    exc = sys.exc_info()[1]
    if exc is not None:
        response = fault_response(request, exc)
        if response is not None:
            return response
    return django_server_error(request)
