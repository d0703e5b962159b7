"""The scorecard page: the PDF's numbers on a web page, what changed, revisions and their labels."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from scorecard.models import Scorecard
from scorecard.pdf.render import scorecard_context
from scorecard.revisions import Change, snapshot_changes
from scorecard.selectors import scorecard_for_pdf
from tests.factories import OrganizationFactory, make_scorecard, member
from tests.scorecard.pdf_fixtures import LAST, PERIOD, build_vendor_history
from vendors.models import Role


def _snap(value: str, status: str, *, warning: str = "10", fee: str = "100.00") -> dict[str, Any]:
    return {
        "overall_score": "80.00",
        "standing": "Good",
        "contract_version": "1",
        "fee": fee,
        "credit": "0.00",
        "kpis": {
            "denial_rate": {
                "name": "Denial rate",
                "unit": "percent",
                "value": value,
                "benchmark": "5",
                "warning": warning,
                "weight": "20",
                "status": status,
            }
        },
    }


def test_snapshot_changes_names_values_terms_and_statuses() -> None:
    old = _snap("6.04", "watch")
    new = _snap("12.5", "breach", warning="12", fee="120.00")
    assert snapshot_changes(old, new) == [
        Change("scorecard", "fee", "100.00", "120.00"),
        Change("Denial rate", "value", "6.0\u00a0%", "12.5\u00a0%"),
        Change("Denial rate", "warning", "10.0\u00a0%", "12.0\u00a0%"),
        Change("Denial rate", "status", "watch", "breach"),
    ]
    # Without money the fee is no change; a difference that rounds away is none.
    assert snapshot_changes(old, _snap("6.0", "watch", fee="1.00"), with_money=False) == []


def test_snapshot_changes_names_a_kpi_added_or_dropped() -> None:
    old = _snap("6.0", "watch")
    new = {**old, "kpis": {}}
    assert snapshot_changes(old, new) == [Change("Denial rate", "KPI", "scored", "not scored")]
    assert snapshot_changes(new, old) == [Change("Denial rate", "KPI", "not scored", "scored")]


def _revise(card: Scorecard) -> Scorecard:
    """A second revision of the card's month: the denial rate back to watch."""
    when = timezone.now()
    Scorecard.objects.filter(pk=card.pk).update(is_current=False, superseded_at=when)
    values = {**LAST, "denial_rate": ("9.1", "watch")}
    return make_scorecard(card.contract, PERIOD, values, revision=2, overall_score="75.0")


@pytest.mark.django_db
def test_page_shows_the_pdf_contexts_values_and_what_changed(org: Any) -> None:
    first = build_vendor_history(org)
    second = _revise(first)
    client = Client()
    client.force_login(member(org, Role.ADMIN))
    url = reverse("scorecard-page", args=[first.vendor_id, PERIOD])
    html = client.get(url).content.decode()
    doc = scorecard_context(scorecard_for_pdf(second.pk), with_charts=False)
    for k in doc["kpis"]:
        assert f'<span class="value">{k["value"]}</span>' in html, k["code"]
    assert doc["score"] == "75.0" and ">75.0 <small>" in html
    assert '<td>value</td><td class="num">13.4\u00a0%</td><td class="num">9.1\u00a0%</td>' in html
    today = dt.date.today().strftime("%-d %b %Y")
    assert f"superseded by revision 2 on {today}" in html
    old = client.get(url + "?revision=1").content.decode()
    assert '<span class="value">13.4\u00a0%</span>' in old
    assert "This is the first revision of this month." in old
    assert f"superseded by revision 2 on {today}</strong>" in old


@pytest.mark.django_db
def test_page_money_and_refusals(org: Any) -> None:
    card = build_vendor_history(org)
    url = reverse("scorecard-page", args=[card.vendor_id, PERIOD])
    viewer, finance = Client(), Client()
    viewer.force_login(member(org, Role.VIEWER))
    finance.force_login(member(org, Role.FINANCE))
    assert "$21,345.50" in finance.get(url).content.decode()
    assert "$21,345.50" not in viewer.get(url).content.decode()
    assert viewer.get(url + "?revision=x").status_code == 400
    assert viewer.get(url + "?revision=9").status_code == 404
    assert (
        viewer.get(reverse("scorecard-page", args=[card.vendor_id, "2026-13"])).status_code == 404
    )
    stranger = Client()
    stranger.force_login(member(OrganizationFactory(), Role.ADMIN))
    assert stranger.get(url).status_code == 404


def test_revision_snapshot_reads_frozen_rows() -> None:
    from scorecard.revisions import revision_snapshot

    card = SimpleNamespace(
        overall_score=None,
        standing="",
        fee=None,
        credit=None,
        currency="USD",
        snapshot={"contract": {"version": 3}},
    )
    kpi = SimpleNamespace(
        kpi_code="x",
        kpi_name="X",
        unit="count",
        value=None,
        benchmark=1,
        warning=2,
        weight=5,
        status="not_reported",
    )
    snap = revision_snapshot(card, [kpi])
    assert snap["contract_version"] == "3"
    assert snap["kpis"]["x"] == {
        "name": "X",
        "unit": "count",
        "value": "",
        "benchmark": "1",
        "warning": "2",
        "weight": "5",
        "status": "not_reported",
    }
