"""Trend charts drawn by many threads at once (a threaded server, the vendor page's charts) are
the charts drawn one at a time: no thread draws another's KPI on the process' canvas."""

import multiprocessing
import threading
from decimal import Decimal

import matplotlib

from scorecard import charts
from scorecard.charts import TrendPoint, trend_chart_png

UNITS = ["percent", "days", "hours", "business days", "amount", "claims"]


def _kpi(n: int) -> tuple[list[TrendPoint], str, str]:
    """Twelve different KPIs: each its own values, thresholds, direction and unit."""
    higher = n % 2 == 0
    benchmark, warning = (
        (Decimal(95 - n), Decimal(90 - n)) if higher else (Decimal(8 + n), Decimal(12 + 2 * n))
    )
    points = [
        TrendPoint(
            f"2026-{m:02d}",
            None if (m + n) % 7 == 0 else Decimal(80 + (m * (n + 3)) % 25) / (1 if higher else 4),
            benchmark,
            warning,
            ("meets", "watch", "breach")[(m + n) % 3],
        )
        for m in range(1, 13 - n % 4)
    ]
    return points, "higher" if higher else "lower", UNITS[n % len(UNITS)]


def test_twelve_threads_draw_the_charts_one_thread_draws():
    kpis = [_kpi(n) for n in range(12)]
    hinting = matplotlib.rcParams["text.hinting"]
    sequential = [trend_chart_png(p, direction=d, unit_label=u) for p, d, u in kpis]
    assert len(set(sequential)) == 12  # twelve different pictures to mix up
    start = threading.Barrier(12)
    rounds = 4
    drawn: dict[int, list[bytes]] = {n: [] for n in range(12)}
    failures: list[BaseException] = []

    def draw(n: int) -> None:
        points, direction, unit = kpis[n]
        try:
            start.wait(timeout=30)
            for _ in range(rounds):
                drawn[n].append(trend_chart_png(points, direction=direction, unit_label=unit))
        except BaseException as exc:  # reported below, with the thread's KPI
            failures.append(exc)

    threads = [threading.Thread(target=draw, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert failures == []
    mismatched = [
        (n, i) for n in range(12) for i, png in enumerate(drawn[n]) if png != sequential[n]
    ]
    assert [len(drawn[n]) for n in range(12)] == [rounds] * 12
    assert mismatched == []
    # matplotlib's settings are restored (the drawing changes text hinting while it draws), and
    # the process' canvas still draws what it drew before
    assert matplotlib.rcParams["text.hinting"] == hinting
    assert [trend_chart_png(p, direction=d, unit_label=u) for p, d, u in kpis] == sequential


def test_charts_drawn_together_by_threads_match_too():
    # The PDF draws a scorecard's charts in one call (month labels copied between them).
    kpis = [_kpi(n) for n in range(12)]
    groups = [kpis[i : i + 3] for i in range(0, 12, 3)]
    sequential = [charts.trend_chart_pngs(group) for group in groups]
    start = threading.Barrier(len(groups) * 3)
    drawn: list[list[list[bytes]]] = [[] for _ in range(len(groups) * 3)]

    def draw(slot: int) -> None:
        start.wait(timeout=30)
        for _ in range(3):
            drawn[slot].append(charts.trend_chart_pngs(groups[slot % len(groups)]))

    threads = [threading.Thread(target=draw, args=(slot,)) for slot in range(len(drawn))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert [
        [pngs == sequential[slot % len(groups)] for pngs in runs] for slot, runs in enumerate(drawn)
    ] == [[True, True, True]] * len(drawn)


def _draw_in_child(queue: "multiprocessing.Queue[bytes]") -> None:
    points, direction, unit = _kpi(5)
    queue.put(trend_chart_png(points, direction=direction, unit_label=unit))


def test_a_process_forked_while_a_thread_draws_can_draw():
    # A prefork server forks workers from a process whose threads may be drawing at that moment.
    points, direction, unit = _kpi(5)
    expected = trend_chart_png(points, direction=direction, unit_label=unit)
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    with charts._DRAWING:  # as if another thread were drawing when the fork happens
        child = context.Process(target=_draw_in_child, args=(queue,))
        child.start()
    child.join(timeout=60)
    if child.is_alive():
        child.kill()
    assert child.exitcode == 0
    assert queue.get(timeout=5) == expected
