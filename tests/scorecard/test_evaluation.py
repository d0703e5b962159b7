"""The pure evaluation (domain.md section 3): every boundary, points, score and standing by hand."""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scorecard import evaluation as ev
from vendors import periods as bd

BANDS = {"excellent": "90", "good": "75", "needs_improvement": "50"}


def term(code: str, direction: str, benchmark: str, warning: str, weight: str, **kw) -> ev.Term:
    return ev.Term(
        code=code,
        name=code,
        unit="percent",
        direction=direction,
        benchmark=D(benchmark),
        warning=D(warning),
        weight=D(weight),
        **kw,
    )


DEFAULT_TERMS = [
    term("first_pass_acceptance_rate", "higher", "95", "90", "25", display_order=10),
    term("denial_rate", "lower", "8", "12", "20", display_order=20),
    term("days_in_ar", "lower", "40", "55", "20", display_order=30),
    term("net_collection_rate", "higher", "95", "90", "20", display_order=40),
    term("coding_turnaround_hours", "lower", "48", "72", "10", display_order=50),
    term("resubmission_turnaround_business_days", "lower", "2", "5", "5", display_order=60),
]


# --- Status at every boundary ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "status", "points"),
    [
        ("95.01", "meets", "100"),  # just better than the benchmark
        ("95", "meets", "100"),  # at the benchmark
        ("95.0", "meets", "100"),
        ("94.99", "watch", "99.8"),  # just worse than the benchmark
        ("92.5", "watch", "50"),
        ("90.01", "watch", "0.2"),  # just better than the warning
        ("90.0", "watch", "0"),  # at the warning: watch, but no points
        ("89.99", "breach", "0"),  # just worse than the warning
        ("0", "breach", "0"),
    ],
)
def test_higher_is_better_boundaries(value, status, points):
    assert ev.kpi_status("higher", D(value), D("95"), D("90")) == status
    assert ev.kpi_points("higher", D(value), D("95"), D("90")) == D(points)


@pytest.mark.parametrize(
    ("value", "status", "points"),
    [
        ("7.99", "meets", "100"),
        ("8", "meets", "100"),
        ("8.01", "watch", "99.75"),
        ("10", "watch", "50"),
        ("11.99", "watch", "0.25"),
        ("12.0", "watch", "0"),  # 12.0 is watch for denial rate
        ("12.01", "breach", "0"),
        ("100", "breach", "0"),
    ],
)
def test_lower_is_better_boundaries(value, status, points):
    assert ev.kpi_status("lower", D(value), D("8"), D("12")) == status
    assert ev.kpi_points("lower", D(value), D("8"), D("12")) == D(points)


def test_exact_decimals_are_compared_without_rounding():
    assert ev.kpi_status("higher", D("94.9999999"), D("95"), D("90")) == "watch"
    assert ev.kpi_status("lower", D("12.000001"), D("8"), D("12")) == "breach"


def test_benchmark_equal_to_warning_is_a_step():
    assert ev.kpi_status("higher", D("95"), D("95"), D("95")) == "meets"
    assert ev.kpi_status("higher", D("94.99"), D("95"), D("95")) == "breach"
    assert ev.kpi_points("higher", D("94.99"), D("95"), D("95")) == D(0)


# --- Classification: insufficient data, not reported, late reports ---------------------------
def test_insufficient_data_from_flag_and_minimum_volume():
    fp = term("first_pass_acceptance_rate", "higher", "95", "90", "25", volume_field="claims")
    assert ev.classify(fp, ev.Reading(value=None, insufficient_data=True), {}) == (
        "insufficient_data",
        None,
    )
    # Volume from the raw counts: 29 claims is below the minimum of 30, 30 is enough.
    assert ev.classify(fp, ev.Reading(value=D("97")), {"claims": D(29)})[0] == "insufficient_data"
    assert ev.classify(fp, ev.Reading(value=D("97")), {"claims": D(30)}) == ("meets", D("97"))
    # The reading's own volume wins over the raw field.
    assert ev.classify(fp, ev.Reading(value=D("97"), volume=D(12)), {"claims": D(900)})[0] == (
        "insufficient_data"
    )


def test_not_reported_and_late_missing_counts_as_breach():
    ar = term("days_in_ar", "lower", "40", "55", "20")
    assert ev.classify(ar, None, {}) == ("not_reported", None)
    assert ev.classify(ar, ev.Reading(value=None), {}) == ("not_reported", None)
    assert ev.classify(ar, None, {}, missing_is_breach=True) == ("breach", None)


# --- Score and standing ----------------------------------------------------------------------
def test_overall_score_by_hand():
    readings = {
        "first_pass_acceptance_rate": ev.Reading(D("92.5")),  # 50 points x 25
        "denial_rate": ev.Reading(D("10")),  # 50 x 20
        "days_in_ar": ev.Reading(D("35")),  # 100 x 20
        # net_collection_rate not reported: its weight is left out
        "coding_turnaround_hours": ev.Reading(D("60")),  # (72-60)/24 = 50 x 10
        "resubmission_turnaround_business_days": ev.Reading(D("6")),  # breach, 0 x 5
    }
    result = ev.evaluate_period(DEFAULT_TERMS, readings, bands=BANDS)
    # (1250 + 1000 + 2000 + 500 + 0) / (25 + 20 + 20 + 10 + 5) = 4750 / 80 = 59.375
    assert result.overall_score == D("59.38")
    assert result.standing == "Needs improvement"
    assert result.statuses() == {
        "first_pass_acceptance_rate": "watch",
        "denial_rate": "watch",
        "days_in_ar": "meets",
        "net_collection_rate": "not_reported",
        "coding_turnaround_hours": "watch",
        "resubmission_turnaround_business_days": "breach",
    }
    assert result.breached_weight == D(5)
    assert [k.term.code for k in result.kpis] == [t.code for t in DEFAULT_TERMS]


def test_late_missing_kpi_scores_zero_with_its_weight():
    readings = {t.code: ev.Reading(t.benchmark) for t in DEFAULT_TERMS[:5]}
    result = ev.evaluate_period(DEFAULT_TERMS, readings, bands=BANDS, missing_is_breach=True)
    # 95 x 100 / 100 = 95: the missing resubmission KPI (weight 5) counts as breach, 0 points
    assert result.overall_score == D("95.00")
    assert result.statuses()["resubmission_turnaround_business_days"] == "breach"
    assert result.breached_weight == D(5)


def test_no_value_at_all_gives_no_score():
    result = ev.evaluate_period(DEFAULT_TERMS, {}, bands=BANDS)
    assert result.overall_score is None
    assert result.standing == ""
    assert set(result.statuses().values()) == {"not_reported"}


@pytest.mark.parametrize(
    ("score", "standing"),
    [
        ("100", "Excellent"),
        ("90", "Excellent"),
        ("89.99", "Good"),
        ("75", "Good"),
        ("74.99", "Needs improvement"),
        ("50", "Needs improvement"),
        ("49.99", "Unsatisfactory"),
        ("0", "Unsatisfactory"),
    ],
)
def test_standing_bands_at_their_edges(score, standing):
    assert ev.standing(D(score), BANDS) == standing


def test_standing_bands_are_contract_configurable():
    bands = {"excellent": 95, "good": "80", "needs_improvement": D("60")}
    assert ev.standing(D("94.99"), bands) == "Good"
    assert ev.standing(D("59.99"), bands) == "Unsatisfactory"


def test_change_and_trailing_three_month_average():
    ar = term("days_in_ar", "lower", "40", "55", "20")
    result = ev.evaluate_period(
        [ar],
        {"days_in_ar": ev.Reading(D("42"))},
        bands=BANDS,
        history={"days_in_ar": [D("50"), D("46")]},
    )
    row = result.kpis[0]
    assert row.previous_value == D("46")
    assert row.change == D("-4")
    assert row.trailing_3m_average == D("46")  # (50 + 46 + 42) / 3
    # A gap in the history is left out of the average and gives no change.
    gap = ev.evaluate_period(
        [ar],
        {"days_in_ar": ev.Reading(D("42"))},
        bands=BANDS,
        history={"days_in_ar": [D(50), None]},
    ).kpis[0]
    assert (gap.previous_value, gap.change, gap.trailing_3m_average) == (None, None, D(46))


def test_a_kpi_result_is_the_frozen_dataclass_whichever_way_it_is_built():
    # evaluate_period builds its rows without the dataclass's __init__ (speed); same rows.
    ar = term("days_in_ar", "lower", "40", "55", "20")
    row = ev.evaluate_period(
        [ar],
        {"days_in_ar": ev.Reading(D("47.5"), stated_value=D("47.5"), recomputed_value=D("47"))},
        bands=BANDS,
        history={"days_in_ar": [D("50")]},
    ).kpis[0]
    assert row == ev.KPIResult(
        term=ar,
        status="watch",
        value=D("47.5"),
        stated_value=D("47.5"),
        recomputed_value=D("47"),
        points=D("50"),
        previous_value=D("50"),
        change=D("-2.5"),
        trailing_3m_average=D("48.75"),
    )
    assert [f.name for f in dataclasses.fields(ev.KPIResult)] == list(
        inspect.signature(ev._kpi_result).parameters
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.status = "meets"  # type: ignore[misc]


# --- Properties -----------------------------------------------------------------------------
values = st.decimals(min_value=0, max_value=200, places=4, allow_nan=False, allow_infinity=False)


@given(a=values, b=values, bench=values, gap=values)
def test_points_never_decrease_as_a_value_improves(a, b, bench, gap):
    low, high = sorted([a, b])
    # higher is better: the warning sits below the benchmark
    assert ev.kpi_points("higher", high, bench, bench - gap) >= ev.kpi_points(
        "higher", low, bench, bench - gap
    )
    # lower is better: the warning sits above the benchmark
    assert ev.kpi_points("lower", low, bench, bench + gap) >= ev.kpi_points(
        "lower", high, bench, bench + gap
    )
    for direction, warning in (("higher", bench - gap), ("lower", bench + gap)):
        p = ev.kpi_points(direction, a, bench, warning)
        assert D(0) <= p <= D(100)


@given(
    readings=st.fixed_dictionaries(
        {t.code: st.one_of(st.none(), values.map(ev.Reading)) for t in DEFAULT_TERMS}
    ),
    order=st.permutations(DEFAULT_TERMS),
)
def test_results_do_not_depend_on_the_order_of_rows(readings, order):
    given_readings = {k: v for k, v in readings.items() if v is not None}
    reversed_readings = dict(reversed(list(given_readings.items())))
    one = ev.evaluate_period(DEFAULT_TERMS, given_readings, bands=BANDS)
    two = ev.evaluate_period(order, reversed_readings, bands=BANDS)
    assert one == two


# --- Business days --------------------------------------------------------------------------
def test_report_due_date_skips_weekends_and_holidays():
    # October 2026 report: November 2026 starts on a Sunday; the 10th business day is Nov 13.
    assert bd.report_due_date("2026-10", 10) == dt.date(2026, 11, 13)
    # With Veterans Day (Wed Nov 11) as a holiday it moves to Monday Nov 16.
    holidays = bd.parse_holidays(["2026-11-11"])
    assert bd.report_due_date("2026-10", 10, holidays) == dt.date(2026, 11, 16)
    assert bd.nth_business_day(2026, 8, 1) == dt.date(2026, 8, 3)  # Aug 1 is a Saturday
    assert bd.is_late(dt.date(2026, 11, 13), dt.date(2026, 11, 13)) is False
    assert bd.is_late(dt.date(2026, 11, 14), dt.date(2026, 11, 13)) is True


def test_period_arithmetic():
    assert bd.period_end("2024-02") == dt.date(2024, 2, 29)
    assert bd.next_period("2025-12") == "2026-01"
    assert bd.previous_period("2026-01") == "2025-12"
    assert bd.periods_between("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]
