"""One vendor-month's scorecard as a web page, in any of its revisions: everything the PDF
holds (the same context builder, ``scorecard.pdf.render.scorecard_context``), the trend charts,
what changed since the previous revision, the revision list and the PDF button."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import BadRequest, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse

from scorecard import revisions
from scorecard.models import Job, Scorecard
from scorecard.pdf.render import scorecard_context
from scorecard.selectors import scorecard_for_pdf
from vendors import policy
from vendors.models import PERIOD_VALIDATOR, Vendor
from vendors.policy import Capability

from .base import get_scoped, page, render_page


def _revision_list(vendor: Vendor, period: str, variant: str) -> list[Scorecard]:
    """The vendor-month's revisions, newest first, each with ``successor`` (the revision that
    replaced it, or None) and its PDF jobs of the role's variant (two queries)."""
    cards = list(
        Scorecard.objects.filter(vendor=vendor, period=period)
        .defer("snapshot")
        .prefetch_related(
            Prefetch("jobs", queryset=Job.objects.filter(variant=variant).order_by("-created_at"))
        )
        .order_by("-revision", "-pk")
    )
    for card in cards:
        later = [
            c for c in cards if c.contract_id == card.contract_id and c.revision > card.revision
        ]
        card.successor = min(later, key=lambda c: c.revision) if later else None  # type: ignore[attr-defined]
    return cards


def _asked_revision(request: HttpRequest) -> int | None:
    raw = request.GET.get("revision", "")
    if raw == "":
        return None
    if not raw.isdigit():
        raise BadRequest("revision must be a revision number, like 2.")
    return int(raw)


def _chosen(cards: list[Scorecard], revision: int | None) -> Scorecard:
    if revision is None:
        return next((c for c in cards if c.is_current), cards[0])
    for card in cards:
        if card.revision == revision:
            return card
    raise Http404("No such revision of this scorecard.")


@page()
def scorecard_page(request: HttpRequest, pk: int, period: str) -> HttpResponse:
    """A vendor-month's scorecard (``?revision=N``, else the current one)."""
    vendor = get_scoped(request, Vendor.objects.all(), pk=pk)
    try:
        PERIOD_VALIDATOR(period)
    except ValidationError as exc:
        raise Http404("No such period.") from exc
    role = request.seat.role  # type: ignore[attr-defined]
    cards = _revision_list(vendor, period, policy.pdf_variant(role))
    if not cards:
        raise Http404("No scorecard for this vendor and month.")
    chosen = _chosen(cards, _asked_revision(request))
    with_money = policy.can(role, Capability.SEE_MONEY)
    card = scorecard_for_pdf(chosen.pk)
    context: dict[str, Any] = scorecard_context(card, with_money=with_money, with_charts=False)
    previous = next(
        (c for c in cards if c.contract_id == card.contract_id and c.revision < card.revision),
        None,
    )
    changes = None
    if previous is not None:
        before = scorecard_for_pdf(previous.pk)
        changes = revisions.snapshot_changes(
            revisions.revision_snapshot(before, before.kpis.all()),
            revisions.revision_snapshot(card, card.kpis.all()),
            with_money=with_money,
        )
    return render_page(
        request,
        "scorecard/scorecard_page.html",
        {
            "doc": context,
            "card": chosen,
            "vendor_obj": vendor,
            "revisions": cards,
            "previous": previous,
            "changes": changes,
            "job": chosen.jobs.all()[0] if chosen.jobs.all() else None,
        },
    )
