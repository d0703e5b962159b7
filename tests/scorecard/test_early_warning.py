"""Early warning (domain.md section 11): exact projections on hand-computed series."""

from __future__ import annotations

from decimal import Decimal as D
from fractions import Fraction

from scorecard.early_warning import Projection, project, rounded

MONTHS = ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]


def series(*values: str | None, months: list[str] = MONTHS) -> list[tuple[str, D | None]]:
    return [(p, None if v is None else D(v)) for p, v in zip(months, values, strict=True)]


def test_decreasing_series_is_at_risk_from_the_first_month_strictly_worse() -> None:
    # 98, 97, ..., 93: slope -1 exactly; 92, 91, 90 follow. Warning 91: 2026-08 reaches 91
    # (not strictly worse, not a breach), 2026-09 is 90 < 91.
    got = project(
        series("98", "97", "96", "95", "94", "93"),
        status="watch",
        direction="higher",
        warning=D("91"),
    )
    assert got == Projection(
        values=(("2026-07", D("92.0000")), ("2026-08", D("91.0000")), ("2026-09", D("90.0000"))),
        at_risk=True,
        breach_period="2026-09",
    )


def test_flat_series_projects_itself_and_is_not_at_risk() -> None:
    got = project(
        series("96", "96", "96", "96", "96", "96"),
        status="meets",
        direction="higher",
        warning=D("90"),
    )
    assert got == Projection(
        values=(("2026-07", D("96.0000")), ("2026-08", D("96.0000")), ("2026-09", D("96.0000"))),
        at_risk=False,
        breach_period=None,
    )


def test_noisy_series_higher_is_better() -> None:
    # y = 97 95 96 93 94 92 at x = 0..5: mean y 94.5, Sxy = -15.5, Sxx = 17.5, slope -31/35.
    # x=6: 94.5 + 3.5 * -31/35 = 91.4; x=7: 94.5 - 4.5 * 31/35 = 90.514285..; x=8: 89.628571..
    got = project(
        series("97", "95", "96", "93", "94", "92"),
        status="watch",
        direction="higher",
        warning=D("90"),
    )
    assert got == Projection(
        values=(("2026-07", D("91.4000")), ("2026-08", D("90.5143")), ("2026-09", D("89.6286"))),
        at_risk=True,
        breach_period="2026-09",
    )


def test_noisy_series_lower_is_better() -> None:
    # y = 30 32 31 34 35 37: mean y 199/6, Sxy = 23.5, slope 47/35.
    # x=6: 199/6 + 4.7 = 37.8666..; x=7: 199/6 + 6.042857.. = 39.2095..; x=8: 40.5523.. > 40.
    got = project(
        series("30", "32", "31", "34", "35", "37"),
        status="watch",
        direction="lower",
        warning=D("40"),
    )
    assert got == Projection(
        values=(("2026-07", D("37.8667")), ("2026-08", D("39.2095")), ("2026-09", D("40.5524"))),
        at_risk=True,
        breach_period="2026-09",
    )


def test_lower_is_better_falling_is_not_at_risk() -> None:
    # A falling lower-is-better KPI improves: 37 36 35 34 -> 33 32 31, never above 36.
    got = project(
        series("37", "36", "35", "34", months=MONTHS[:4]),
        status="meets",
        direction="lower",
        warning=D("36"),
    )
    assert got == Projection(
        values=(("2026-05", D("33.0000")), ("2026-06", D("32.0000")), ("2026-07", D("31.0000"))),
        at_risk=False,
        breach_period=None,
    )


def test_three_points_give_no_projection() -> None:
    assert (
        project(
            series("98", "97", "96", months=MONTHS[:3]),
            status="watch",
            direction="higher",
            warning=D("97"),
        )
        is None
    )


def test_months_without_a_value_are_left_out_and_four_values_project() -> None:
    # 2026-02 and 2026-04 had no value: points x=0,2,4,5 with y=100,98,96,95. Mean x 2.75,
    # mean y 97.25; dx -2.75 -0.75 1.25 2.25, dy 2.75 0.75 -1.25 -2.25: Sxy = -14.75,
    # Sxx = 14.75, slope -1, a = 97.25 + 2.75 = 100; x=6,7,8 -> 94, 93, 92; warning 93 is
    # first strictly worse in 2026-09. Three values left (two gaps more): no projection.
    history = series("100", None, "98", None, "96", "95")
    got = project(history, status="watch", direction="higher", warning=D("93"))
    assert got == Projection(
        values=(("2026-07", D("94.0000")), ("2026-08", D("93.0000")), ("2026-09", D("92.0000"))),
        at_risk=True,
        breach_period="2026-09",
    )
    assert (
        project(
            series("100", None, "98", None, None, "95"),
            status="watch",
            direction="higher",
            warning=D("93"),
        )
        is None
    )


def test_only_the_last_six_months_count() -> None:
    # An old high value seven months back would bend the line; it is outside the window.
    months = ["2025-12", *MONTHS]
    got = project(
        series("60", "96", "96", "96", "96", "96", "96", months=months),
        status="meets",
        direction="higher",
        warning=D("90"),
    )
    assert got is not None and got.values[0] == ("2026-07", D("96.0000")) and not got.at_risk


def test_a_breach_today_or_no_value_today_is_never_at_risk() -> None:
    falling = series("98", "97", "96", "95", "94", "89")
    got = project(falling, status="breach", direction="higher", warning=D("90"))
    assert got is not None and (got.at_risk, got.breach_period) == (False, None)
    assert (
        project(
            series("98", "97", "96", "95", "94", None),
            status="not_reported",
            direction="higher",
            warning=D("90"),
        )
        is None
    )


def test_rounding_is_half_up_away_from_zero() -> None:
    assert rounded(Fraction(123455, 100000)) == D("1.2346")
    assert rounded(Fraction(-123455, 100000)) == D("-1.2346")
    assert rounded(Fraction(1, 3)) == D("0.3333")
