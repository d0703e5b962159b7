"""The audit trail page: who changed what, when and why, filtered, paginated, as CSV too.

Administrators and compliance members only; the current organization's events only.
"""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

from scorecard.exports import iter_csv
from vendors import policy, selectors
from vendors.models import AuditRecordType

from .base import COMPLIANCE, page, render_page

PER_PAGE = 50
CSV_HEADER = ["at", "actor", "action", "record_type", "record_id", "record", "reason", "changes"]


def _events(request: HttpRequest):  # type: ignore[no-untyped-def]
    """The filter read from the query string and the current organization's events it keeps."""
    where = selectors.audit_filter_parse(request.GET)
    org = request.seat.organization  # type: ignore[attr-defined]
    return where, selectors.audit_events(organization_ids=[org.pk], where=where)


@page(COMPLIANCE)
def audit(request: HttpRequest) -> HttpResponse:
    """The trail, newest first, 50 a page (a count and a page: two queries at any size)."""
    try:
        where, events = _events(request)
    except ValidationError as exc:
        context = {"errors": exc.message_dict, "record_types": AuditRecordType.choices}
        return render_page(request, "scorecard/audit.html", context, status=400)
    page_obj = Paginator(events, PER_PAGE).get_page(request.GET.get("page"))
    role = request.seat.role  # type: ignore[attr-defined]
    for event in page_obj:  # contract prices and fees only for the roles that see money
        event.shown_changes = policy.audit_changes_for_role(event.changes or {}, role)
    query = request.GET.copy()
    query.pop("page", None)
    return render_page(
        request,
        "scorecard/audit.html",
        {
            "page_obj": page_obj,
            "where": where,
            "query": query.urlencode(),
            "record_types": AuditRecordType.choices,
        },
    )


@page(COMPLIANCE)
def audit_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The filtered trail as CSV, every row (text cells guarded against formula injection)."""
    try:
        _, events = _events(request)
    except ValidationError as exc:
        return HttpResponse(
            "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items()),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    role = request.seat.role  # type: ignore[attr-defined]
    rows = (
        [
            e.at.isoformat(),
            e.actor_name or "system",
            e.action,
            e.record_type,
            e.record_id,
            e.record_label,
            e.reason,
            json.dumps(policy.audit_changes_for_role(e.changes or {}, role), sort_keys=True),
        ]
        for e in events.iterator(chunk_size=2000)
    )
    # Streamed: an export of every row of a long trail never sits in memory whole.
    response = StreamingHttpResponse(
        iter_csv(CSV_HEADER, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="audit.csv"'
    return response
