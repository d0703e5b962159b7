"""An unanswered dispute is flagged after DISPUTE_ANSWER_BUSINESS_DAYS business days, counted
by vendors.periods with the organization's holidays; the list and the dashboard show it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from disputes import rules, selectors
from disputes.services import disputes as services
from tests.conftest import client_for
from vendors import periods
from vendors.services.holidays import holiday_add

pytestmark = pytest.mark.django_db

WED = dt.date(2026, 1, 14)  # Monday the 19th is Martin Luther King Jr. Day


def test_answer_due_date_skips_weekends_and_holidays() -> None:
    # Thu 15 (1), Fri 16 (2), Mon 19 (3), Tue 20 (4), Wed 21 (5)
    assert rules.answer_due_date(WED, 5) == dt.date(2026, 1, 21)
    # with the holiday on Monday the 19th: Tue 20 (3), Wed 21 (4), Thu 22 (5)
    assert rules.answer_due_date(WED, 5, frozenset({dt.date(2026, 1, 19)})) == dt.date(2026, 1, 22)
    assert periods.business_days_after(dt.date(2026, 1, 16), 1) == dt.date(2026, 1, 19)
    assert periods.business_days_after(WED, 0) == WED
    with pytest.raises(ValueError, match="n counts from 0"):
        periods.business_days_after(WED, -1)
    holiday = frozenset({dt.date(2026, 1, 19)})
    flagged = {
        day: rules.is_overdue(
            status="open", opened_on=WED, today=day, business_days=5, holidays=holiday
        )
        for day in (dt.date(2026, 1, 22), dt.date(2026, 1, 23))
    }
    assert flagged == {dt.date(2026, 1, 22): False, dt.date(2026, 1, 23): True}
    assert not rules.is_overdue(
        status="answered",
        opened_on=WED,
        today=dt.date(2026, 2, 1),
        business_days=5,
        holidays=holiday,
    )


def _open_on_wednesday(dworld: Any) -> int:
    dispute = services.dispute_open(
        scorecard=dworld.card,
        actor=dworld.vendor,
        reason="Backlog counted twice.",
        items=[{"kpi": "days_in_ar", "reason": "Backlog."}],
        at=dt.datetime(2026, 1, 14, 15, 0, tzinfo=dt.UTC),
    )
    return dispute.pk


def test_flag_on_the_list_and_the_dashboard(dworld: Any, settings: Any, time_machine: Any) -> None:
    settings.DISPUTE_ANSWER_BUSINESS_DAYS = 5
    holiday_add(organization=dworld.card.organization, date=dt.date(2026, 1, 19), name="MLK")
    pk = _open_on_wednesday(dworld)
    api = client_for(dworld.compliance)
    page = Client()
    page.force_login(dworld.compliance)

    time_machine.move_to(dt.datetime(2026, 1, 22, 18, 0, tzinfo=dt.UTC))
    [row] = api.get("/api/v1/disputes/").json()["results"]
    assert (row["answer_due"], row["overdue"]) == ("2026-01-22", False)
    assert api.get("/api/v1/disputes/", {"overdue": "true"}).json()["results"] == []
    assert "Unanswered dispute:" not in page.get(reverse("dashboard")).content.decode()

    time_machine.move_to(dt.datetime(2026, 1, 23, 9, 0, tzinfo=dt.UTC))
    [row] = api.get("/api/v1/disputes/").json()["results"]
    assert (row["answer_due"], row["overdue"]) == ("2026-01-22", True)
    assert [
        d["id"] for d in api.get("/api/v1/disputes/", {"overdue": "true"}).json()["results"]
    ] == [pk]
    assert [
        d["id"]
        for d in selectors.overdue_disputes(
            user=dworld.compliance, organization_id=dworld.card.organization_id
        )
    ] == [pk]
    dashboard = page.get(reverse("dashboard")).content.decode()
    assert (
        f'<a href="/disputes/{pk}/">Unanswered dispute: Acme 2026-01</a> '
        "(opened 2026-01-14, answer due 2026-01-22)" in dashboard
    )
    listing = page.get(reverse("dispute-list")).content.decode()
    assert "overdue" in listing
    # answered: no longer flagged
    services.dispute_answer(
        dispute=selectors.dispute_list(user=dworld.compliance).get(pk=pk),
        actor=dworld.compliance,
        reason="Looking into it.",
    )
    assert api.get("/api/v1/disputes/", {"overdue": "true"}).json()["results"] == []
    assert "Unanswered dispute:" not in page.get(reverse("dashboard")).content.decode()
