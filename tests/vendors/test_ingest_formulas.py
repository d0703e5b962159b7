"""Recomputation in exact Decimal for every catalog formula; zero denominators; the checks."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from vendors.ingest.checks import evaluate_records
from vendors.ingest.formulas import ZERO_DENOMINATOR, FormulaError, compile_formula, ratio_parts
from vendors.ingest.headers import KPISpec
from vendors.ingest.table import Denial, Record

FPAR = "claims_accepted_first_pass / claims_submitted * 100"
DENIAL = "claims_denied / claims_submitted * 100"
NCR = "payments / (gross_charges - contractual_adjustments) * 100"
DAR = "total_ar / (gross_charges / period_days)"
AGED = "(ar_91_120 + ar_over_120) / total_ar * 100"


@pytest.mark.parametrize(
    ("formula", "env", "expected"),
    [
        (FPAR, {"claims_accepted_first_pass": D(3900), "claims_submitted": D(4000)}, D("97.5")),
        (
            FPAR,
            {"claims_accepted_first_pass": D(1), "claims_submitted": D(3)},
            D("33.33333333333333333333333333333333"),
        ),
        (DENIAL, {"claims_denied": D(286), "claims_submitted": D(4000)}, D("7.15")),
        (
            NCR,
            {
                "payments": D("190000.19"),
                "gross_charges": D("300000.30"),
                "contractual_adjustments": D("100000.10"),
            },
            D("95.00000"),
        ),
        (
            NCR,
            {
                "payments": D("776100"),
                "gross_charges": D("1288300"),
                "contractual_adjustments": D("466000"),
            },
            D("94.38161255016417365924844947099599"),
        ),
        (
            DAR,
            {"total_ar": D("1200000"), "gross_charges": D("930000"), "period_days": D(31)},
            D("40"),
        ),
        (AGED, {"ar_91_120": D("0.1"), "ar_over_120": D("0.2"), "total_ar": D("1.2")}, D("25")),
    ],
)
def test_each_catalog_formula_is_exact_in_decimal(formula, env, expected):
    got = compile_formula(formula).evaluate(env)
    assert isinstance(got, D)
    # 0.1 + 0.2 is exactly 0.3 here (it would not be in floats); 34 significant digits are kept.
    assert got == expected


def test_the_catalog_formulas_compile_and_read_the_raw_fields(db):
    from vendors.models import KPIDefinition

    formulas = {k.code: k.formula for k in KPIDefinition.objects.exclude(formula="")}
    assert formulas == {
        "first_pass_acceptance_rate": FPAR,
        "denial_rate": DENIAL,
        "days_in_ar": DAR,
        "net_collection_rate": NCR,
        "aged_ar_over_90_rate": AGED,
    }
    assert compile_formula(NCR).names == {"payments", "gross_charges", "contractual_adjustments"}


@pytest.mark.parametrize("formula", [FPAR, DENIAL, NCR, DAR, AGED])
def test_a_zero_denominator_is_insufficient_data_never_zero_or_hundred(formula):
    compiled = compile_formula(formula)
    env = dict.fromkeys(compiled.names, D(0)) | {"period_days": D(30)}
    assert compiled.evaluate(env) is ZERO_DENOMINATOR


def test_a_missing_input_is_not_recomputed():
    assert compile_formula(FPAR).evaluate({"claims_submitted": D(10)}) is None


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('true')",
        "payments.__class__",
        "payments ** 1000000",
        "[payments]",
        "payments if total_ar else 0",
        "'a' * 3",
        "payments // 2",
        "lambda: 1",
        "payments +",
    ],
)
def test_anything_but_arithmetic_is_refused(text):
    with pytest.raises(FormulaError):
        compile_formula(text)


def test_ratio_parts_find_counts_and_denominators():
    assert ratio_parts(compile_formula(FPAR)) == (
        ("claims_accepted_first_pass",),
        "claims_submitted",
    )
    assert ratio_parts(compile_formula(AGED)) == (("ar_91_120", "ar_over_120"), "total_ar")
    assert ratio_parts(compile_formula(NCR)) is None


CATALOG = [
    KPISpec(
        "first_pass_acceptance_rate",
        "First-pass claim acceptance rate",
        "percent",
        FPAR,
        "claims_submitted",
    ),
    KPISpec("denial_rate", "Denial rate", "percent", DENIAL, "claims_submitted"),
    KPISpec("days_in_ar", "Days in accounts receivable", "days", DAR),
    KPISpec("net_collection_rate", "Net collection rate", "percent", NCR),
    KPISpec("coding_turnaround_hours", "Coding turnaround time", "hours"),
    KPISpec("aged_ar_over_90_rate", "A/R over 90 days", "percent", AGED),
]


def outcome(values, minimum=None, denials=None):
    record = Record(None, "2026-10", 2, {k: D(str(v)) for k, v in values.items()})
    [out] = evaluate_records(
        [record],
        CATALOG,
        minimum_volumes=[minimum or {}],
        denials={0: denials} if denials else None,
    )
    return {v.field: v for v in out.values}, {f.code: f for f in out.findings}


def test_zero_claims_give_insufficient_data_with_the_stated_value_kept():
    values, _ = outcome(
        {
            "first_pass_acceptance_rate": 100,
            "claims_submitted": 0,
            "claims_accepted_first_pass": 0,
            "claims_denied": 0,
        }
    )
    fpar = values["first_pass_acceptance_rate"]
    assert (fpar.value, fpar.recomputed, fpar.stated, fpar.insufficient_data) == (
        None,
        None,
        D(100),
        True,
    )
    assert values["denial_rate"].insufficient_data and values["denial_rate"].value is None


def test_volume_below_the_terms_minimum_is_insufficient_data():
    counts = {"claims_submitted": 12, "claims_accepted_first_pass": 12, "claims_denied": 0}
    values, _ = outcome(counts)
    assert values["first_pass_acceptance_rate"].insufficient_data  # default minimum 30
    assert values["first_pass_acceptance_rate"].volume == D(12)
    values, _ = outcome(counts, minimum={"first_pass_acceptance_rate": 10, "denial_rate": 10})
    assert values["first_pass_acceptance_rate"].value == D(100)
    assert values["denial_rate"].value == D(0)  # a real zero: twelve claims, none denied


def test_stated_value_below_minimum_volume_is_insufficient_too():
    values, _ = outcome({"first_pass_acceptance_rate": "97.5", "claims_submitted": 29})
    assert values["first_pass_acceptance_rate"].insufficient_data


def test_discrepancy_threshold_is_half_a_point_for_percent_and_one_unit_for_days():
    base = {"claims_submitted": 4000, "claims_accepted_first_pass": 3900}  # 97.5 %
    _, found = outcome({**base, "first_pass_acceptance_rate": "97.0"})
    assert "discrepancy" not in found  # exactly 0.5 points apart
    _, found = outcome({**base, "first_pass_acceptance_rate": "96.99"})
    assert (found["discrepancy"].stated, found["discrepancy"].expected) == (D("96.99"), D("97.5"))
    days = {"total_ar": 1200000, "gross_charges": 930000}  # 40 days in a 31-day month
    assert "discrepancy" not in outcome({**days, "days_in_ar": 41})[1]
    assert "discrepancy" in outcome({**days, "days_in_ar": "41.01"})[1]


def test_aging_buckets_must_sum_to_total_within_half_a_percent():
    buckets = {"ar_0_30": 500, "ar_31_60": 250, "ar_61_90": 125, "ar_91_120": 75, "ar_over_120": 50}
    assert "aging_sum" not in outcome({**buckets, "total_ar": 1005})[1]  # 0.4975 % apart
    found = outcome({**buckets, "total_ar": 1006})[1]
    assert found["aging_sum"].expected == D(1000)


def test_counts_above_denominators_are_no_finding_but_an_error_of_the_file():
    # Impossible numbers refuse the file (tests/vendors/test_ingest_numbers.py): the
    # evaluation of a file that passed them has nothing of the kind to flag.
    _, found = outcome({"claims_submitted": 4000, "claims_accepted_first_pass": 4100})
    assert set(found) == set()


def test_breakdown_sum_against_claims_denied():
    line = Denial(None, "2026-10", "Aetna", "CO-16", 40, None, 3)
    assert "breakdown_sum" not in outcome({"claims_denied": 80}, denials=[line, line])[1]
    assert outcome({"claims_denied": 81}, denials=[line, line])[1]["breakdown_sum"].expected == 80
