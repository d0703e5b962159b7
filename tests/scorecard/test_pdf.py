"""The PDF scorecard: real WeasyPrint output read back with pypdf and rasterised by pdftoppm."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pypdf
import pytest

from scorecard import charts
from scorecard.charts import TrendPoint, trend_chart_png
from scorecard.pdf import document
from scorecard.pdf.render import scorecard_pdf
from scorecard.selectors import kpi_history
from tests.scorecard.pdf_fixtures import FINDING, PERIOD, build_vendor_history
from vendors.periods import periods_ending

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    """All text of a PDF, pages joined, whitespace collapsed."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def test_pdf_text_holds_vendor_kpis_statuses_fee_deadline_and_definitions(org):
    scorecard = build_vendor_history(org)
    data = scorecard_pdf(scorecard.pk, generated_at=dt.datetime(2026, 11, 12, 9, 30, tzinfo=dt.UTC))
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    assert "Northwind Billing" in text
    assert "Practice A" in text
    assert "October 2026" in text
    for name in (
        "First-pass claim acceptance rate",
        "Denial rate",
        "Days in accounts receivable",
        "Net collection rate",
        "Coding turnaround time",
        "Resubmission turnaround",
    ):
        assert name in text, name
    for word in ("meets", "watch", "breach", "insufficient data", "not reported"):
        assert word in text, word
    assert "$21,345.50" in text  # fee
    assert "$426.91" in text  # service credit
    assert "$20,918.59" in text  # net payable
    assert "$2,134.55" in text  # 10 % at risk
    assert "30 December 2026" in text  # cure deadline of the remediation item
    assert FINDING in text
    # stated versus recomputed, only where they differ
    assert "stated 96.0 %" in text and "recomputed 93.8 %" in text
    assert len(re.findall(r"stated \d", text)) == 1
    # the definitions as frozen: formula and source of each KPI
    assert "claims_accepted_first_pass / claims_submitted * 100" in text
    assert "Vendor monthly report (rejection to corrected resubmission)" in text
    assert "71.4" in text and "Needs improvement" in text
    # header, page numbers and generation time
    pages = len(pypdf.PdfReader(io.BytesIO(data)).pages)
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text
    assert "generated 12 Nov 2026, 09:30 UTC" in text


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils (pdftoppm)")
def test_pdf_pages_rasterise(org, tmp_path):
    scorecard = build_vendor_history(org)
    pdf = tmp_path / "scorecard.pdf"
    pdf.write_bytes(scorecard_pdf(scorecard.pk))
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 3  # summary and table; trends; definitions
    assert all(p.stat().st_size > 10_000 for p in pages)
    # A4 at 60 dpi: 8.27 x 11.69 in
    png = pages[0].read_bytes()
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (497, 702)


def test_letter_page_size(org, settings):
    settings.SCORECARD_PDF_PAGE_SIZE = "Letter"
    scorecard = build_vendor_history(org)
    page = pypdf.PdfReader(io.BytesIO(scorecard_pdf(scorecard.pk))).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (612, 792)


def test_history_reads_twelve_current_periods_of_the_vendor(org):
    scorecard = build_vendor_history(org)
    history = kpi_history(scorecard=scorecard)
    first_pass = history["first_pass_acceptance_rate"]
    assert [p.period for p in first_pass] == periods_ending(PERIOD, 12)
    assert first_pass[0].period == "2025-11"
    assert first_pass[0].value == Decimal("97")
    assert first_pass[-1].value == Decimal("93.8")
    assert first_pass[-1].status == "watch"
    assert history["coding_turnaround_hours"][-1].value is None


def test_history_keeps_missing_months_as_gaps_and_skips_superseded(org):
    scorecard = build_vendor_history(org)
    from scorecard.models import Scorecard

    Scorecard.objects.filter(vendor=scorecard.vendor, period="2026-05").delete()
    Scorecard.objects.filter(vendor=scorecard.vendor, period="2026-06").update(is_current=False)
    points = kpi_history(scorecard=scorecard)["denial_rate"]
    assert len(points) == 12
    by_period = {p.period: p for p in points}
    assert by_period["2026-05"].value is None
    assert by_period["2026-06"].value is None
    assert by_period["2026-07"].value == Decimal("10")


def test_trend_chart_is_a_png():
    points = [
        TrendPoint(f"2026-{m:02d}", Decimal(90 + m), Decimal(95), Decimal(90), "watch")
        for m in range(1, 13)
    ]
    png = trend_chart_png(points, direction="higher", unit_label="percent")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    # drawing again on the reused canvas gives the same picture
    assert trend_chart_png(points, direction="higher", unit_label="percent") == png


def _year_of_percent() -> list[TrendPoint]:
    return [
        TrendPoint(f"2026-{m:02d}", Decimal(90 + m), Decimal(95), Decimal(90), "watch")
        for m in range(1, 13)
    ]


def _quarter_of_millions() -> list[TrendPoint]:
    return [
        TrendPoint(
            f"2025-{m:02d}",
            Decimal(12_000_000 + m * 300_000) if m != 11 else None,
            Decimal(13_000_000),
            Decimal(15_000_000),
            "meets",
        )
        for m in range(10, 13)
    ]


def test_trend_chart_labels_months_y_ticks_and_unit():
    # The canvas draws its own labels (no tick objects): what it shows, chart after chart.
    canvas = charts._canvas()

    def shown(texts: list[Any]) -> list[str]:
        return [t.get_text() for t in texts if t.get_visible()]

    trend_chart_png(_year_of_percent(), direction="higher", unit_label="percent")
    assert shown(canvas.months) == ["J\n26", "F", "M", "A", "M", "J", "J", "A", "S", "O", "N", "D"]
    assert shown(canvas.y_labels) == ["90", "95", "100", "105"]
    assert list(canvas.y_ticks.get_ydata()) == [90, 95, 100, 105]
    assert (canvas.unit.get_text(), canvas.y_offset.get_text()) == ("percent", "")

    trend_chart_png(_quarter_of_millions(), direction="lower", unit_label="amount", dpi=200)
    assert shown(canvas.months) == ["O", "N", "D"]
    assert shown(canvas.y_labels) == ["1.3", "1.4", "1.5", "1.6"]  # times the offset, 1e7
    assert list(canvas.y_ticks.get_ydata()) == [13_000_000, 14_000_000, 15_000_000, 16_000_000]
    assert (canvas.unit.get_text(), canvas.y_offset.get_text()) == ("amount", "1e7")


def test_trend_chart_does_not_depend_on_the_charts_drawn_before():
    charts._CANVAS.clear()  # a new process' canvas
    year = trend_chart_png(_year_of_percent(), direction="higher", unit_label="percent")
    charts._CANVAS.clear()
    quarter = trend_chart_png(
        _quarter_of_millions(), direction="lower", unit_label="amount", dpi=200
    )
    # the same canvas, now drawing one after the other
    assert trend_chart_png(_year_of_percent(), direction="higher", unit_label="percent") == year
    assert (
        trend_chart_png(_quarter_of_millions(), direction="lower", unit_label="amount", dpi=200)
        == quarter
    )
    assert trend_chart_png(_year_of_percent(), direction="higher", unit_label="percent") == year


def test_trend_charts_drawn_together_are_the_charts_drawn_alone():
    # Charts of the same periods share their month labels (copied from the first one drawn).
    days = [
        TrendPoint(p.period, Decimal(50) - p.value, Decimal(40), Decimal(55), "meets")
        for p in _year_of_percent()
        if p.value is not None
    ]
    trends = [
        (_year_of_percent(), "higher", "percent"),
        (days, "lower", "days"),
        (_quarter_of_millions(), "lower", "amount"),
        (days, "lower", "business days"),
    ]
    alone = [trend_chart_png(p, direction=d, unit_label=u) for p, d, u in trends]
    assert len(set(alone)) == 4
    assert charts.trend_chart_pngs(trends) == alone


def test_formatting_rounds_half_up_with_units():
    assert document.money(Decimal("1234.565"), "USD") == "$1,234.57"
    assert document.money(Decimal("-5"), "EUR") == "\u2212\u20ac5.00"
    assert document.money(Decimal("10"), "CHF") == "CHF\u00a010.00"
    assert document.money(None, "USD") == "\u2014"
    assert document.with_unit(Decimal("95.25"), "percent") == "95.3\u00a0%"
    assert document.with_unit(Decimal("41"), "days") == "41.0\u00a0days"
    assert document.target(Decimal("8"), "percent", "lower") == "\u2264\u00a08.0\u00a0%"
    assert document.status_look("insufficient_data")["word"] == "insufficient data"
    assert document.period_label("2026-10") == "October 2026"
    assert periods_ending("2026-02", 3) == ["2025-12", "2026-01", "2026-02"]


def test_readme_image_exists():
    image = Path(__file__).resolve().parents[2] / "docs" / "scorecard-pdf.png"
    assert image.is_file() and image.read_bytes().startswith(b"\x89PNG")
