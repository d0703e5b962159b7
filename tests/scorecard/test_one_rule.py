"""Rules in one place: the status words are the model's choices, the contract-in-force rule is
one pure function used by the selector and the evaluation alike, periods come from one module."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from scorecard import evaluation as ev
from scorecard import remediation as rm
from scorecard.models import Scorecard, Status
from scorecard.services import evaluation as service
from scorecard.services.evaluation import evaluate
from tests.factories import ContractFactory
from tests.scorecard.helpers import report
from vendors import periods, selectors, services
from vendors.models import Contract


def test_the_pure_status_words_are_the_model_choices():
    assert (
        ev.STATUSES
        == tuple(Status.values)
        == (
            "meets",
            "watch",
            "breach",
            "insufficient_data",
            "not_reported",
        )
    )
    assert (ev.MEETS, ev.WATCH, ev.BREACH) == (Status.MEETS, Status.WATCH, Status.BREACH)
    assert rm.BREACH == ev.BREACH and rm.MEETS == ev.MEETS  # remediation reads the same words


def test_no_copy_of_the_contract_rule_or_of_period_arithmetic_is_left():
    import inspect

    from scorecard import page_selectors as reads
    from scorecard.pdf import document

    assert "in_force" in inspect.getsource(service._contract_for)
    for module in (reads, document):
        for name in ("period_of", "shift_period", "periods_between", "period_bounds"):
            assert getattr(module, name, None) in (None, getattr(periods, name)), (module, name)


@pytest.mark.django_db
def test_a_mid_month_amendment_governs_the_month_for_selector_and_evaluation_alike(org):
    first = ContractFactory(vendor__organization=org, start_date=dt.date(2026, 1, 1))
    second = services.contract_amend(
        contract=first, effective_date=dt.date(2026, 3, 15), sla_terms=None
    )
    vendor = first.vendor
    assert selectors.contract_in_force(vendor=vendor, on=dt.date(2026, 3, 14)) == first
    assert selectors.contract_in_force(vendor=vendor, on=dt.date(2026, 3, 15)) == second
    assert selectors.contract_for_period(vendor=vendor, period="2026-02") == first
    assert selectors.contract_for_period(vendor=vendor, period="2026-03") == second
    # The pure rule itself: of the versions in force on some day of the span, the latest.
    early = Contract(start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 3, 10))
    later = Contract(start_date=dt.date(2026, 3, 11), end_date=dt.date(2026, 3, 20))
    march = {"first_day": dt.date(2026, 3, 1), "last_day": dt.date(2026, 3, 31)}
    assert selectors.in_force([later, early], **march) is later  # ended within March
    assert selectors.in_force([early], **march) is early
    april = {"first_day": dt.date(2026, 4, 1), "last_day": dt.date(2026, 4, 30)}
    assert selectors.in_force([early, later], **april) is None
    report(vendor, "2026-03", days_in_ar=D("42"))
    evaluate(vendor_ids=[vendor.pk], today=dt.date(2026, 4, 20))
    assert Scorecard.objects.get(period="2026-03", is_current=True).contract_id == second.pk
    assert Scorecard.objects.get(period="2026-02", is_current=True).contract_id == first.pk
