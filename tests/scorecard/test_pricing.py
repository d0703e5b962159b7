"""Fees, derived rates, service credits and what-ifs (domain.md sections 4 and 5), to the cent."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from scorecard import pricing as pr


def fee(terms: pr.PricingTerms, payments: str | None, claims: str | None) -> D | None:
    exact = pr.period_fee(
        terms,
        payments=None if payments is None else D(payments),
        claims_submitted=None if claims is None else D(claims),
    )
    return None if exact is None else pr.to_cents(exact)


@pytest.mark.parametrize(
    ("minimum", "maximum", "payments", "expected"),
    [
        (None, None, "123456.78", "7407.41"),  # 7407.4068
        ("20000", None, "123456.78", "20000.00"),  # the minimum applies after the formula
        ("20000", None, "400000", "24000.00"),  # above the minimum: the formula
        (None, "5000", "123456.78", "5000.00"),  # the maximum caps it
        ("1000", "9000", "100000", "6000.00"),
    ],
)
def test_percent_of_collections(minimum, maximum, payments, expected):
    terms = pr.PricingTerms(
        "percent_of_collections",
        percent_of_collections=D("6"),
        monthly_minimum=None if minimum is None else D(minimum),
        monthly_maximum=None if maximum is None else D(maximum),
    )
    assert fee(terms, payments, "1000") == D(expected)


@pytest.mark.parametrize(
    ("minimum", "maximum", "claims", "expected"),
    [
        (None, None, "1234", "5553.00"),
        (None, "5000", "1234", "5000.00"),
        ("6000", None, "1234", "6000.00"),
        (None, "25000", "7000", "25000.00"),
    ],
)
def test_per_claim(minimum, maximum, claims, expected):
    terms = pr.PricingTerms(
        "per_claim",
        fee_per_claim=D("4.50"),
        monthly_minimum=None if minimum is None else D(minimum),
        monthly_maximum=None if maximum is None else D(maximum),
    )
    assert fee(terms, "100000", claims) == D(expected)


def test_flat_monthly_with_minimum_and_maximum():
    assert fee(pr.PricingTerms("flat_monthly", flat_monthly_fee=D("18500")), None, None) == D(
        "18500.00"
    )
    capped = pr.PricingTerms(
        "flat_monthly", flat_monthly_fee=D("18500"), monthly_maximum=D("15000")
    )
    assert fee(capped, None, None) == D("15000.00")
    floored = pr.PricingTerms(
        "flat_monthly", flat_monthly_fee=D("18500"), monthly_minimum=D("19000")
    )
    assert fee(floored, None, None) == D("19000.00")


def test_missing_volume_gives_no_fee():
    assert (
        fee(pr.PricingTerms("percent_of_collections", percent_of_collections=D(6)), None, "10")
        is None
    )
    assert fee(pr.PricingTerms("per_claim", fee_per_claim=D("4.5")), "10", None) is None


def test_rounding_is_half_up_and_only_at_the_end():
    terms = pr.PricingTerms("percent_of_collections", percent_of_collections=D("5"))
    exact = pr.period_fee(terms, payments=D("100.50"), claims_submitted=None)
    assert exact == D("5.0250")  # exact until stored
    assert pr.to_cents(exact) == D("5.03")  # half-up (banker's rounding would give 5.02)


def test_effective_rate_and_cost_per_claim():
    assert pr.effective_rate(D("20000"), D("250000")) == D("8")
    assert pr.cost_per_claim(D("20000"), D("1000")) == D("20")
    assert pr.effective_rate(D("20000"), D("0")) is None
    assert pr.cost_per_claim(D("20000"), None) is None


@pytest.mark.parametrize(
    ("breached_weight", "expected"),
    [
        ("0", "0.00"),
        ("5", "50.00"),  # 10000 x 10 % x 5 %
        ("45", "450.00"),  # first pass (25) + denial rate (20)
        ("100", "1000.00"),
        ("120", "1000.00"),  # never above the at-risk amount
    ],
)
def test_service_credit(breached_weight, expected):
    credit = pr.service_credit(D("10000"), D("10"), D(breached_weight))
    assert pr.to_cents(credit) == D(expected)


def test_service_credit_on_a_fee_with_cents():
    # 7407.4068 x 12.5 % = 925.92585 at risk; x 45 % = 416.6666325 -> 416.67
    assert pr.to_cents(pr.service_credit(D("7407.4068"), D("12.5"), D("45"))) == D("416.67")
    assert pr.service_credit(None, D("10"), D("45")) == D(0)


def test_what_if_under_each_model():
    payments, claims = D("250000"), D("4000")
    percent = pr.what_if(
        pr.PricingTerms("percent_of_collections", percent_of_collections=D("6")),
        payments=payments,
        claims_submitted=claims,
    )
    assert (percent.fee, percent.effective_rate, percent.cost_per_claim) == (
        D("15000"),
        D("6"),
        D("3.75"),
    )
    per_claim = pr.what_if(
        pr.PricingTerms("per_claim", fee_per_claim=D("4.50"), monthly_maximum=D("25000")),
        payments=payments,
        claims_submitted=claims,
    )
    assert (per_claim.fee, per_claim.effective_rate, per_claim.cost_per_claim) == (
        D("18000"),
        D("7.2"),
        D("4.5"),
    )
    flat = pr.what_if(
        pr.PricingTerms("flat_monthly", flat_monthly_fee=D("18500")),
        payments=payments,
        claims_submitted=claims,
    )
    assert (flat.fee, flat.effective_rate, flat.cost_per_claim) == (
        D("18500"),
        D("7.4"),
        D("4.625"),
    )


def test_unknown_model_is_refused():
    with pytest.raises(ValueError, match="Unknown pricing model 'barter'"):
        pr.period_fee(pr.PricingTerms("barter"), payments=D(1), claims_submitted=D(1))
