"""Evidence beside the statement: the scorecard shows stated and evidence values per KPI, an
evidence discrepancy beyond tolerance, and evaluates the evidence when the contract says so."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from remittances.services.imports import remittance_import
from scorecard.models import Scorecard
from scorecard.services.evaluation import evaluate
from tests.factories import ContractFactory
from tests.remittances.helpers import Practice, data, practice
from tests.scorecard.helpers import after_due, report

pytestmark = pytest.mark.django_db

DENIAL_TERM = {"kpi": "denial_rate", "benchmark": "8", "warning": "12", "weight": "20"}


def _month(settings: Any, *, with_evidence: bool, minimum_volume: int = 5) -> Practice:
    settings.RESCORE_TASK = ""
    p = practice()
    ContractFactory(
        vendor=p.good,
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 1, 31),
        evaluate_with_evidence=with_evidence,
        sla_terms=[{**DENIAL_TERM, "minimum_volume": minimum_volume}],
    )
    report(p.good, "2026-01")  # states denial_rate 7 (meets the 8 benchmark)
    for name in ("evid_2026_01_a.835", "evid_2026_01_b.835"):
        remittance_import(organization=p.organization, data=data(name), file_name=name)
    evaluate(today=after_due("2026-01"))
    return p


def test_stated_and_evidence_side_by_side_with_a_discrepancy_finding(settings: Any) -> None:
    p = _month(settings, with_evidence=False)
    card = Scorecard.objects.get(vendor=p.good, period="2026-01", is_current=True)
    kpi = card.kpis.get(kpi_code="denial_rate")
    # The report's 7 is evaluated (the contract does not say otherwise): meets.
    assert (kpi.value, kpi.status) == (Decimal("7"), "meets")
    # Evidence: 3 denied of 8 adjudicated = 37.5 (test_evidence_files.py works it out).
    assert card.snapshot["evidence"]["kpis"] == {
        "denial_rate": {
            "stated": "7",
            "recomputed": None,
            "evidence": "37.5",
            "evaluated": "report",
        }
    }
    assert card.snapshot["evidence"]["measures"]["adjudicated_claims"] == 8
    # |7 - 37.5| = 30.5 points > 0.5: an evidence discrepancy.
    found = [f for f in card.snapshot["findings"] if f["code"] == "evidence_discrepancy"]
    assert found == [
        {
            "code": "evidence_discrepancy",
            "field": "denial_rate",
            "message": "The vendor's report gives denial rate 7, but the payers' remittances "
            "give 37.5: 30.5 points apart (tolerance 0.5 points).",
            "stated": "7",
            "expected": "37.5",
        }
    ]


def test_the_contract_option_evaluates_the_evidence(settings: Any) -> None:
    p = _month(settings, with_evidence=True)
    card = Scorecard.objects.get(vendor=p.good, period="2026-01", is_current=True)
    kpi = card.kpis.get(kpi_code="denial_rate")
    # 37.5 is strictly worse than the 12 warning: breach; the stated 7 stays beside it.
    assert (kpi.value, kpi.stated_value, kpi.status) == (Decimal("37.5"), Decimal("7"), "breach")
    assert card.snapshot["evidence"]["kpis"]["denial_rate"]["evaluated"] == "evidence"


def test_the_evidence_is_held_to_the_term_s_minimum_volume(settings: Any) -> None:
    p = _month(settings, with_evidence=True, minimum_volume=30)
    kpi = Scorecard.objects.get(vendor=p.good, period="2026-01", is_current=True).kpis.get(
        kpi_code="denial_rate"
    )
    # 8 adjudicated claims are fewer than 30: insufficient data, never a breach on 8 claims.
    assert (kpi.value, kpi.status) == (None, "insufficient_data")


def test_without_remittances_nothing_changes(settings: Any) -> None:
    settings.RESCORE_TASK = ""
    p = practice()
    ContractFactory(
        vendor=p.good,
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 1, 31),
        evaluate_with_evidence=True,
        sla_terms=[DENIAL_TERM],
    )
    report(p.good, "2026-01")
    evaluate(today=after_due("2026-01"))
    card = Scorecard.objects.get(vendor=p.good, period="2026-01")
    assert card.snapshot["evidence"] is None
    assert card.kpis.get(kpi_code="denial_rate").value == Decimal("7")


def test_vendor_page_links_the_denials_page_with_its_chart(settings: Any, client: Any) -> None:
    from django.urls import reverse

    from tests.factories import member
    from vendors.models import Role

    p = _month(settings, with_evidence=False)
    client.force_login(member(p.organization, Role.VIEWER))
    page = client.get(reverse("vendor-detail", args=[p.good.pk])).content.decode()
    denials_url = reverse("vendor-denials", args=[p.good.pk, "2026-01"])
    assert f'<a href="{denials_url}">Denials 2026-01</a>' in page
    assert '<td class="num">7</td><td class="num">\u2013</td><td class="num">37.5</td>' in page
    html = client.get(denials_url).content.decode()
    # 3 denied: CO-16 vendor 150.00, CO-27 practice 120.00, CO-B99 unassigned 80.00
    assert "Vendor-caused denial rate 12.5 %, practice-caused 12.5 %." in html
    assert '<th scope="row">Vendor</th><td class="num">1</td><td class="num">150.00</td>' in html
    assert '<th scope="row">Practice</th><td class="num">1</td><td class="num">120.00</td>' in html
    assert (
        '<th scope="row">OTHER CARE</th><td class="num">1</td><td class="num">120.00</td>' in html
    )
    assert 'Not in the CARC table yet (counted as "other"): CO-B99.' in html
    png = client.get(reverse("vendor-denials-png", args=[p.good.pk, "2026-01"]))
    assert (png.status_code, png["Content-Type"], png.content[:8]) == (
        200,
        "image/png",
        b"\x89PNG\r\n\x1a\n",
    )
    assert client.get(f"/vendors/{p.good.pk}/denials/2026-13/").status_code == 404


def test_the_pdf_sets_the_evidence_beside_the_statement(settings: Any) -> None:
    from scorecard.pdf.render import scorecard_html

    p = _month(settings, with_evidence=False)
    card = Scorecard.objects.get(vendor=p.good, period="2026-01", is_current=True)
    html = scorecard_html(card.pk, with_money=False)
    assert "<h2>Payers' evidence (835 remittances)</h2>" in html
    assert (
        '<tr><td>denial_rate</td><td class="num">7</td><td class="num">\u2014</td>'
        '<td class="num">37.5</td><td>report</td></tr>'
    ) in html
    assert '<span class="tag">evidence discrepancy</span><b>denial_rate</b>: ' in html
