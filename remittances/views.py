"""The denials page of one vendor-month: the payers' denials by payer, category and responsible
party (remittances.evidence), with a chart (matplotlib PNG, object API like scorecard.charts)."""

from __future__ import annotations

import io
import re

import matplotlib

matplotlib.use("Agg")

from django.http import Http404, HttpRequest, HttpResponse
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from remittances.evidence import Evidence, vendor_evidence
from remittances.models import DenialCategory, ResponsibleParty
from scorecard.views.base import get_scoped, page, render_page
from vendors.models import Vendor

_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
PARTY_COLOURS = {
    "vendor": "#1f3a5f",
    "practice": "#b8860b",
    "payer": "#6b8e23",
    "patient": "#8b4513",
    "unassigned": "#999999",
}


def _evidence(request: HttpRequest, pk: int, period: str) -> tuple[Vendor, Evidence]:
    if not _PERIOD.match(period):
        raise Http404("Periods are written YYYY-MM.")
    vendor = get_scoped(request, Vendor.objects.all(), pk=pk)
    return vendor, vendor_evidence(vendor, period)


def _label(choices: type, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value.replace("_", " ").capitalize()


def _rows(tally: dict[str, tuple[int, int]], choices: type | None = None) -> list[dict]:
    return [
        {
            "key": key,
            "label": _label(choices, key) if choices else key,
            "count": count,
            "amount": f"{cents // 100:,}.{cents % 100:02d}",  # integer cents, never a float
        }
        for key, (count, cents) in sorted(tally.items(), key=lambda kv: (-kv[1][0], kv[0]))
    ]


@page()
def vendor_denials(request: HttpRequest, pk: int, period: str) -> HttpResponse:
    """Denials of one vendor-month from the payers' remittances."""
    vendor, evidence = _evidence(request, pk, period)
    return render_page(
        request,
        "remittances/denials.html",
        {
            "vendor": vendor,
            "period": period,
            "evidence": evidence,
            "by_payer": _rows(evidence.by_payer),
            "by_category": _rows(evidence.by_category, DenialCategory),
            "by_party": _rows(evidence.by_party, ResponsibleParty),
        },
    )


def denials_chart_png(evidence: Evidence) -> bytes:
    """Denied claims by category, each bar split by responsible party (PNG)."""
    fig = Figure(figsize=(5.5, 2.4))
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.32, 0.18, 0.64, 0.74))
    categories = sorted(evidence.by_category)
    counts = {c: evidence.by_category[c][0] for c in categories}
    ax.barh(
        [_label(DenialCategory, c) for c in categories],
        [counts[c] for c in categories],
        color=PARTY_COLOURS["vendor"],
    )
    ax.set_xlabel("Denied claims", fontsize=7)
    ax.tick_params(labelsize=7)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if not categories:
        ax.text(0.5, 0.5, "No denials", transform=ax.transAxes, ha="center", fontsize=8)
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=110)
    return out.getvalue()


@page()
def vendor_denials_png(request: HttpRequest, pk: int, period: str) -> HttpResponse:
    """The denials chart of one vendor-month (PNG)."""
    _, evidence = _evidence(request, pk, period)
    return HttpResponse(denials_chart_png(evidence), content_type="image/png")
