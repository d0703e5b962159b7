"""Benchmark: hostile report files, each ingested by a fresh process through ``report_ingest``.

For each file: refused or accepted (and the first message), how many errors, the seconds the
service took, the seconds and bytes of the refusal as the API answers it (its JSON body), and the
process's peak RSS beside its peak once Django was set up. Peak RSS is the kernel's high-water
mark of the process's own memory (VmHWM): a child's ``ru_maxrss`` starts from its parent's RSS
at fork, which would hide the figure under pytest's.
The sparse XFD50000 workbook must be refused in under 1 s and under 200 MB; it used to make
calamine allocate 26 GB. Run with ``uv run pytest -m bench -s tests/bench/bench_hostile.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from tests.vendors import hostile_files as h

pytestmark = pytest.mark.bench

ROOT = Path(django_settings.BASE_DIR)

# Run in a fresh interpreter: set up Django, note the RSS, ingest one file, report.
RUNNER = r"""
import json, sys, time
import django


def peak_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
django.setup()
from django.conf import settings
settings.REPORT_STORED_TASK = ""  # ingestion's figures alone, no evaluation
from vendors.ingest.errors import FileRefused
from vendors.models import Organization, Vendor
from vendors.services.reports import report_ingest
if sys.argv[1] == "--setup":
    import datetime as dt
    from vendors import services
    org = Organization.objects.create(name="Bench practice", slug="bench")
    nw = services.vendor_create(organization=org, name="Northwind", slug="nw")
    services.contract_create(organization=org, vendor=nw, start_date=dt.date(2025, 1, 1),
                             pricing_model="flat_monthly", flat_monthly_fee="1000")
    sys.exit(0)
path = sys.argv[1]
content = open(path, "rb").read()
vendor = Vendor.objects.get(slug="nw")
base = peak_kb()
started = time.perf_counter()
body, formatting = b"", 0.0
try:
    result = report_ingest(organization=vendor.organization, vendor=vendor, content=content,
                           file_name=path.rsplit("/", 1)[-1])
    outcome, errors, first = "accepted", 0, result.summary()
except FileRefused as exc:
    seconds = time.perf_counter() - started
    outcome, errors = "refused", exc.error_count
    first = str(exc.errors[0]) if exc.errors else ""
    formatted = time.perf_counter()
    body = json.dumps({"errors": [e.as_dict() for e in exc.errors],
                       "error_count": exc.error_count, "more_errors": exc.more_errors_text(),
                       "findings": [f.as_dict() for f in exc.findings]}).encode()
    formatting = time.perf_counter() - formatted
else:
    seconds = time.perf_counter() - started
print(json.dumps({"outcome": outcome, "errors": errors, "first": first, "seconds": seconds,
                  "formatting": formatting, "body": len(body), "base_kb": base,
                  "peak_kb": peak_kb()}))
"""


def _ordinary_workbook() -> bytes:
    from tests.vendors.test_ingest_files import xlsx_bytes

    return xlsx_bytes([["period", "denial_rate", "days_in_ar"], ["2026-10", 5.5, 38]])


FILES = [
    ("for comparison: an ordinary one-month workbook", "ordinary.xlsx", _ordinary_workbook),
    (
        "sparse workbook, one value at XFD50000",
        "sparse50000.xlsx",
        lambda: h.sparse_workbook(50_000),
    ),
    ("sparse workbook, one value at XFD5000", "sparse5000.xlsx", lambda: h.sparse_workbook(5_000)),
    ("zip bomb: sheet inflates to 200 MB, directory says 2 KB", "bomb.xlsx", h.lying_zip_bomb),
    ("190,000 bad rows, CSV", "bad190k.csv", h.bad_rows_csv),
    ("190,000 bad rows, XLSX", "bad190k.xlsx", h.bad_rows_xlsx),
    ("a NUL in a text cell, CSV", "nul.csv", h.nul_cell_csv),
    ("one 18 MB line, CSV", "line.csv", h.huge_single_line),
    ("512 KB of binary junk", "junk.bin", h.binary_junk),
]


def _env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DEBUG="1",
        DJANGO_SETTINGS_MODULE="scorecard.settings",
        DATABASE_URL=f"sqlite:///{tmp / 'bench.sqlite3'}",
        VAR_DIR=str(tmp),
        MEDIA_ROOT=str(tmp / "media"),
        CELERY_TASK_ALWAYS_EAGER="1",
    )
    return env


def _run(args: list[str], env: dict[str, str]) -> str:
    """Run a child and return its stdout."""
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_bench_hostile_files(tmp_path):
    env = _env(tmp_path)
    _run([sys.executable, "manage.py", "migrate", "--verbosity", "0"], env)
    _run([sys.executable, "-c", RUNNER, "--setup"], env)
    rows = []
    for label, name, make in FILES:
        path = tmp_path / name
        path.write_bytes(make())
        out = _run([sys.executable, "-c", RUNNER, str(path)], env)
        found = json.loads(out.strip().splitlines()[-1])
        rows.append((label, path.stat().st_size, found))
        path.unlink()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print()
    print(f"Hostile files, each in a fresh process ({os.cpu_count()} CPUs; load {load})")
    print(
        f"  {'file':<56} {'size':>9}  {'outcome':<8} {'errors':>8} {'service':>8} "
        f"{'format':>7} {'body':>8} {'peak RSS':>9} {'setup':>7}"
    )
    for label, size, found in rows:
        print(
            f"  {label:<56} {h_size(size):>9}  {found['outcome']:<8} {found['errors']:>8,} "
            f"{found['seconds']:>7.3f}s {found['formatting']:>6.3f}s {h_size(found['body']):>8} "
            f"{found['peak_kb'] / 1024:>6.0f} MB {found['base_kb'] / 1024:>4.0f} MB"
        )
    print("  first message of each:")
    for label, _, found in rows:
        print(f"    {label}: {found['first'][:150]}")
    assert rows[0][2]["outcome"] == "accepted"
    sparse = rows[1][2]  # figures, not timed assertions: the table above is the result
    assert sparse["outcome"] == "refused"
    assert "A1:XFD50000" in sparse["first"]


def h_size(n: int) -> str:
    """A byte count for the table."""
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n} B"
