"""Benchmark: the early-warning step over 12,000 stored scorecards (1,000 contracts x 12 months,
72,000 KPI rows) on the embedded default (SQLite file).

Run with ``uv run pytest -m bench -s tests/bench/bench_early_warning.py``. The child process seeds
and evaluates as ``bench_evaluate`` does (that evaluation already projects every row), then times
``scorecards_warn`` again over every current scorecard, without notifications: the share of an
evaluation the early warning costs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def measure() -> dict[str, float | int]:
    """In the child process: seed and evaluate, then time the early-warning step alone."""
    import time

    from tests.bench.bench_evaluate import seed_and_measure

    figures = seed_and_measure()  # sets Django up
    from scorecard.models import Scorecard, ScorecardKPI
    from scorecard.services.early_warning import scorecards_warn

    ids = list(Scorecard.objects.filter(is_current=True).values_list("pk", flat=True))
    started = time.perf_counter()
    at_risk = scorecards_warn(scorecard_ids=ids, notify=False)
    return {
        "evaluate_seconds": figures["evaluate_seconds"],
        "scorecards": len(ids),
        "kpi_rows_projected": ScorecardKPI.objects.filter(projection__isnull=False).count(),
        "kpi_rows_at_risk": at_risk,
        "early_warning_seconds": round(time.perf_counter() - started, 2),
    }


@pytest.mark.bench
def test_bench_early_warning_over_12000_scorecards(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    env.update(VAR_DIR=str(tmp_path / "var"), DJANGO_SETTINGS_MODULE="scorecard.settings")
    done = subprocess.run(
        [sys.executable, "-m", "tests.bench.bench_early_warning"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    print()
    for name, value in figures.items():
        print(f"  {name:<22} {value}")
    assert figures["scorecards"] == 12000


if __name__ == "__main__":
    print(json.dumps(measure()))
