"""Render a scorecard revision as HTML and as a PDF (WeasyPrint), with its trend charts."""

from __future__ import annotations

import base64
import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from scorecard import charts
from scorecard.models import RemediationItem, RemediationKind, Scorecard
from scorecard.pdf import document
from scorecard.pdf.denial_work import denial_work_context
from scorecard.selectors import kpi_history, scorecard_for_pdf

# WeasyPrint logs every layout step at INFO; a worker rendering hundreds of PDFs needs none of it.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

CONTRACT_KEYS = (
    "version",
    "start_date",
    "end_date",
    "pricing_model",
    "percent_of_collections",
    "fee_per_claim",
    "flat_monthly_fee",
    "monthly_minimum",
    "monthly_maximum",
    "at_risk_percent",
    "cure_period_days",
    "report_due_business_day",
)


def _contract_terms(scorecard: Scorecard) -> dict[str, Any]:
    """Pricing and terms as frozen in the snapshot, completed from the contract version row."""
    frozen = scorecard.snapshot.get("contract") or {}
    frozen = {**frozen, **(scorecard.snapshot.get("pricing") or {})}
    row = scorecard.contract
    return {key: frozen.get(key, getattr(row, key, None)) for key in CONTRACT_KEYS}


def _remediations(scorecard: Scorecard, kpis: list[Any]) -> list[dict[str, Any]]:
    """Remediation items as frozen in the snapshot, else those open for the contract then."""
    frozen = scorecard.snapshot.get("remediations")
    if frozen is not None:
        names = {k.kpi_code: k.kpi_name for k in kpis}
        kinds = dict(RemediationKind.choices)
        return [
            {
                **item,
                "kpi_name": item.get("kpi_name") or names.get(item.get("kpi"), item.get("kpi")),
                "kind_label": kinds.get(item.get("kind"), item.get("kind")),
            }
            for item in frozen
        ]
    items = (
        RemediationItem.objects.filter(
            contract=scorecard.contract, opened_period__lte=scorecard.period
        )
        .exclude(status__in=["closed", "waived"])
        .select_related("kpi")
    )
    return [
        {
            "kpi_name": item.kpi.name,
            "kind": item.kind,
            "kind_label": item.get_kind_display(),
            "status": item.status,
            "opened_period": item.opened_period,
            "cure_deadline": item.cure_deadline,
        }
        for item in items
    ]


def _charts(scorecard: Scorecard, kpis: list[Any]) -> dict[str, str]:
    """One trend chart per KPI over the twelve periods ending with this one, as data URIs."""
    history = kpi_history(scorecard=scorecard, months=12)
    charted = [
        kpi for kpi in kpis if any(p.value is not None for p in history.get(kpi.kpi_code, []))
    ]
    pngs = charts.trend_chart_pngs(
        [
            (
                history[kpi.kpi_code],
                kpi.direction,
                document.UNIT_AXIS.get(kpi.unit, kpi.unit),
            )
            for kpi in charted
        ]
    )
    return {
        kpi.kpi_code: "data:image/png;base64," + base64.b64encode(png).decode("ascii")
        for kpi, png in zip(charted, pngs, strict=True)
    }


def scorecard_html(
    scorecard_id: int, *, generated_at: dt.datetime | None = None, with_money: bool = True
) -> str:
    """The scorecard revision as a standalone HTML document (styles inline, charts embedded);
    without ``with_money``, no fee, credit, rate or price appears in it."""
    scorecard = scorecard_for_pdf(scorecard_id)
    context = scorecard_context(
        scorecard, generated_at=generated_at, with_money=with_money, with_charts=True
    )
    return render_to_string(settings.SCORECARD_PDF_TEMPLATE, context)


def scorecard_context(
    scorecard: Scorecard,
    *,
    generated_at: dt.datetime | None = None,
    with_money: bool = True,
    with_charts: bool = True,
) -> dict[str, Any]:
    """What the PDF shows of a scorecard (``scorecard_for_pdf``), the web page's source too:
    the document's strings and its Denial work section; without ``with_charts`` no chart is
    drawn (the page shows the trend chart views instead)."""
    kpis = list(scorecard.kpis.all())
    context = document.document_context(
        scorecard=scorecard,
        kpis=kpis,
        contract=_contract_terms(scorecard),
        remediations=_remediations(scorecard, kpis),
        charts=_charts(scorecard, kpis) if with_charts else {},
        generated_at=generated_at or timezone.now(),
        page_size=settings.SCORECARD_PDF_PAGE_SIZE,
        with_money=with_money,
    )
    context |= denial_work_context(scorecard.vendor_id, scorecard.period)
    return context


def html_to_pdf(html: str) -> bytes:
    """The PDF of a standalone HTML document; nothing is fetched from the network."""
    from weasyprint import HTML  # imported late: web processes that never render skip it

    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def scorecard_pdf(
    scorecard_id: int, *, generated_at: dt.datetime | None = None, with_money: bool = True
) -> bytes:
    """The PDF of a scorecard revision, with its money section or (``with_money=False``) without."""
    return html_to_pdf(
        scorecard_html(scorecard_id, generated_at=generated_at, with_money=with_money)
    )
