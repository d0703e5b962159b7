"""PDF benchmarks (marker bench; run with ``uv run pytest -m bench -s tests/bench/bench_pdf.py``).

1. Seconds per scorecard, ours (queries, charts, template, WeasyPrint, hash, atomic write) beside
   a bare WeasyPrint render of the same HTML. Target: ours at most 1.3x.
2. A batch of 200 scorecards with one worker and with two (needs Redis and PostgreSQL, like the
   ``worker`` tests). Target: two workers at least 1.8x as fast. Worker memory (RSS) over the
   200 renders is printed too.
"""

from __future__ import annotations

import gc
import hashlib
import statistics
import time
from pathlib import Path
from typing import Any

import pytest

from scorecard.models import Job, JobStatus
from scorecard.pdf.render import html_to_pdf, scorecard_html
from scorecard.services import jobs
from tests.scorecard.pdf_fixtures import PERIOD, build_vendor_history
from tests.scorecard.test_jobs_worker import broker, start_worker  # noqa: F401 - fixtures

pytestmark = pytest.mark.bench


def _median_seconds(fn: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


@pytest.mark.django_db
def test_bench_seconds_per_scorecard_against_bare_weasyprint(org, settings, tmp_path):
    scorecard = build_vendor_history(org)
    html = scorecard_html(scorecard.pk)
    html_to_pdf(html)  # warm fonts and caches once for both

    def ours() -> None:
        data = html_to_pdf(scorecard_html(scorecard.pk))
        hashlib.sha256(data).hexdigest()
        tmp = tmp_path / "x.tmp"
        tmp.write_bytes(data)
        tmp.replace(tmp_path / "x.pdf")

    def bare() -> None:
        from weasyprint import HTML

        HTML(string=html).write_pdf()

    # Alternated, each after a garbage collection, so a busy spell of the machine (or a
    # collection left over from the other side) lands on both sides alike.
    ours_times, bare_times = [], []
    for _ in range(11):
        for fn, times in ((ours, ours_times), (bare, bare_times)):
            gc.collect()
            times.append(_median_seconds(fn, 1))
    ours_s, bare_s = statistics.median(ours_times), statistics.median(bare_times)
    pairs = statistics.median(o / b for o, b in zip(ours_times, bare_times, strict=True))
    print(
        f"\nPDF per scorecard (median of 11 alternated runs): ours {ours_s:.3f} s, "
        f"bare WeasyPrint {bare_s:.3f} s, ratio {ours_s / bare_s:.2f}x "
        f"(median ratio of the pairs {pairs:.2f}x; target <= 1.3x)"
    )


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _tree_rss_kib(pid: int) -> int:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    kids = [int(c) for c in children.read_text().split()] if children.exists() else []
    return _rss_kib(pid) + sum(_tree_rss_kib(k) for k in kids)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_bench_batch_of_200_with_one_and_two_workers(org, settings, start_worker):  # noqa: F811
    from tests.factories import ContractFactory, VendorFactory, make_scorecard
    from tests.scorecard.pdf_fixtures import LAST

    build_vendor_history(org)
    for n in range(199):
        contract = ContractFactory(vendor=VendorFactory(organization=org, name=f"Vendor {n:03d}"))
        make_scorecard(contract, PERIOD, LAST)
    figures = {}
    for workers in (1, 2):
        Job.objects.all().delete()
        for pdf in Path(settings.MEDIA_ROOT).rglob("*.pdf"):
            pdf.unlink()
        processes = [start_worker(f"bench{workers}-{i}") for i in range(workers)]
        time.sleep(8)  # workers up (imports, broker connection) before the clock starts
        rss_start = [_tree_rss_kib(p.pid) for p in processes]
        start = time.perf_counter()
        batch = jobs.pdf_batch_request(organization_id=org.pk, period=PERIOD)
        peak = 0
        while Job.objects.get(pk=batch.pk).status not in (JobStatus.DONE, JobStatus.FAILED):
            peak = max(peak, *(_tree_rss_kib(p.pid) for p in processes))
            time.sleep(0.5)
        elapsed = time.perf_counter() - start
        batch.refresh_from_db()
        assert (batch.status, batch.total, batch.done_count) == (JobStatus.DONE, 200, 200)
        rss_end = [_tree_rss_kib(p.pid) for p in processes]
        figures[workers] = elapsed
        print(
            f"\nbatch of 200 with {workers} worker(s): {elapsed:.1f} s "
            f"({elapsed / 200:.3f} s per scorecard); worker RSS start "
            f"{[r // 1024 for r in rss_start]} MiB, end {[r // 1024 for r in rss_end]} MiB, "
            f"peak {peak // 1024} MiB"
        )
        from scorecard.embedded_worker import stop_worker

        for process in processes:
            stop_worker(process)
    print(f"speed-up with two workers: {figures[1] / figures[2]:.2f}x (target >= 1.8x)")
