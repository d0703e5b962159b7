"""The early warning shown: the scorecard API's KPI fields, the dashboard, the vendor page and
the PDF carry "at risk" with the projected month beside the status."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal as D

import pypdf
import pytest
from django.test import Client

from scorecard.models import Scorecard
from scorecard.pdf.render import scorecard_pdf
from scorecard.services.evaluation import evaluate
from tests.conftest import client_for
from tests.factories import ContractFactory, member
from tests.scorecard.helpers import after_due, report
from vendors.models import Role

pytestmark = pytest.mark.django_db
FPAR = "first_pass_acceptance_rate"
FLAG = "at risk: breach projected 2026-07"


@pytest.fixture
def acme(org, settings):
    settings.RESCORE_TASK = ""
    contract = ContractFactory(
        vendor__organization=org,
        vendor__slug="acme",
        vendor__name="Acme",
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 4, 30),
    )
    for period, value in [("2026-01", "100"), ("2026-02", "98"), ("2026-03", "96")]:
        report(contract.vendor, period, **{FPAR: D(value)})
    report(contract.vendor, "2026-04", **{FPAR: D("94")})  # 92, 90, 88 projected
    evaluate(today=after_due("2026-04"))
    return contract.vendor


def test_api_kpi_fields(org, acme):
    viewer = member(org, Role.VIEWER)
    r = client_for(viewer).get("/api/v1/scorecards/", {"vendor": "acme", "period": "2026-04"})
    assert r.status_code == 200
    kpis = {k["kpi"]: k for k in r.json()["results"][0]["kpis"]}
    fpar = kpis[FPAR]
    assert (fpar["status"], fpar["at_risk"], fpar["projected_breach_period"]) == (
        "watch",
        True,
        "2026-07",
    )
    assert fpar["projected_values"] == [
        {"period": "2026-05", "value": "92.0000"},
        {"period": "2026-06", "value": "90.0000"},
        {"period": "2026-07", "value": "88.0000"},
    ]
    denial = kpis["denial_rate"]  # flat at 7: projected, not at risk
    assert (denial["at_risk"], denial["projected_breach_period"]) == (False, None)
    assert [p["value"] for p in denial["projected_values"]] == ["7.0000"] * 3


def test_dashboard_and_vendor_page_show_the_flag(org, acme):
    client = Client()
    client.force_login(member(org, Role.VIEWER))
    dashboard = client.get("/").content.decode()
    assert dashboard.count(f'<span class="flag flag-at-risk">\u26a0 {FLAG}</span>') == 1
    page = client.get(f"/vendors/{acme.pk}/").content.decode()
    assert page.count(FLAG) == 1


def test_pdf_shows_the_flag_beside_the_status(org, acme):
    card = Scorecard.objects.get(period="2026-04", is_current=True)
    data = scorecard_pdf(card.pk, generated_at=dt.datetime(2026, 5, 20, 9, tzinfo=dt.UTC))
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    assert text.count(FLAG) == 1
    earlier = Scorecard.objects.get(period="2026-03", is_current=True)
    data = scorecard_pdf(earlier.pk, generated_at=dt.datetime(2026, 5, 20, 9, tzinfo=dt.UTC))
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert "breach projected" not in " ".join(p.extract_text() or "" for p in reader.pages)
