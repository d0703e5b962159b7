"""Benchmark: a network file of 10,000 vendor-period rows, ours beside django-import-export.

Run with ``uv run pytest -m bench -s tests/bench/bench_ingest.py`` (SQLite), and with
``DATABASE_URL`` on PostgreSQL for its figures. It prints figures and asserts only correctness (a
timed assertion would be flaky on a shared machine). On the embedded default the test database is
a SQLite FILE (tests/bench/conftest.py; checked below, never ``:memory:``), as production keeps
it. Three sides, taking turns, each run three times from empty report tables, medians compared:
ours (the whole ingestion of the CSV), django-import-export (the same values), and a bare insert of
the very rows ours stored (``COPY`` on PostgreSQL, ``executemany`` of plain ``INSERT`` on
SQLite): the floor of what storing them costs.
"""

from __future__ import annotations

import datetime as dt
import io
import statistics
import time
import tracemalloc
from collections.abc import Callable
from decimal import Decimal

import pytest
from celery import shared_task
from django.db import connection, transaction
from django.db.models import Model

from tests.factories import OrganizationFactory
from vendors.models import (
    Contract,
    DenialBreakdown,
    PendingRescore,
    PricingModel,
    Report,
    ReportFinding,
    ReportUpload,
    ReportValue,
    Vendor,
)
from vendors.services.reports import report_ingest
from vendors.services.rescore import rescore_queue

pytestmark = [pytest.mark.bench, pytest.mark.django_db(transaction=True)]

VENDORS = 834  # x 12 periods = 10,008 vendor-periods; the file keeps the first 10,000
ROWS = 10_000
PERIODS = [f"2025-{m:02d}" for m in range(11, 13)] + [f"2026-{m:02d}" for m in range(1, 11)]
KPIS = [
    "first_pass_acceptance_rate",
    "denial_rate",
    "days_in_ar",
    "net_collection_rate",
    "coding_turnaround_hours",
    "resubmission_turnaround_business_days",
]
RAW = [
    "claims_submitted",
    "claims_accepted_first_pass",
    "claims_denied",
    "gross_charges",
    "contractual_adjustments",
    "payments",
    "total_ar",
    "ar_0_30",
    "ar_31_60",
    "ar_61_90",
    "ar_91_120",
    "ar_over_120",
]


@shared_task(name="tests.bench.report_stored")
def report_stored(report_ids: list[int]) -> None:
    """Stands in for the evaluation task, so the figures are ingestion's alone."""


def network_file(slugs: list[str], *, bump: int = 0) -> bytes:
    """A wide CSV with a vendor column: six KPIs and twelve raw counts per vendor-period."""
    out = io.StringIO()
    out.write(",".join(["vendor", "period", *KPIS, *RAW]) + "\n")
    n = 0
    for i, slug in enumerate(slugs):
        for j, period in enumerate(PERIODS):
            if n == ROWS:
                break
            n += 1
            claims = 3000 + (i * 37 + j * 11) % 2000
            accepted = claims * 95 // 100 - (i + j) % 40 + bump
            denied = claims * 7 // 100 + (i * j) % 25
            gross = claims * 300 + i
            adjustments = gross * 36 // 100
            payments = (gross - adjustments) * 96 // 100
            total_ar = gross * 38 // 30
            buckets = [total_ar * s // 100 for s in (52, 21, 12, 8)]
            buckets.append(total_ar - sum(buckets))
            row = [
                slug,
                period,
                f"{accepted * 100 / claims:.2f}",
                f"{denied * 100 / claims:.2f}",
                "38.0",
                f"{payments * 100 / (gross - adjustments):.2f}",
                f"{30 + (i + j) % 20}.5",
                f"{1 + (i + j) % 3}.2",
                claims,
                accepted,
                denied,
                gross,
                adjustments,
                payments,
                total_ar,
                *buckets,
            ]
            out.write(",".join(str(v) for v in row) + "\n")
    return out.getvalue().encode()


RUNS = (
    3  # timed runs of each side, taking turns; the medians are compared (a shared machine is noisy)
)


def _vendors() -> tuple[object, list[Vendor]]:
    org = OrganizationFactory(slug="bench")
    Vendor.objects.bulk_create(
        [
            Vendor(organization=org, name=f"Vendor {i:04d}", slug=f"vendor-{i:04d}")
            for i in range(VENDORS)
        ]
    )
    vendors = list(Vendor.objects.filter(organization=org).order_by("slug"))
    # Reports are stored only for months a contract covers (no SLA terms: the same work as before).
    Contract.objects.bulk_create(
        Contract(
            organization=org,
            vendor=v,
            start_date=dt.date(2025, 1, 1),
            pricing_model=PricingModel.FLAT_MONTHLY,
            flat_monthly_fee=1000,
        )
        for v in vendors
    )
    return org, vendors


def _clear() -> None:
    """Delete every stored report, so each timed run (ours or theirs) starts from the same,
    empty tables: inserting into a table that earlier runs have grown costs more."""
    for model in (ReportValue, ReportFinding, DenialBreakdown, Report, ReportUpload):
        model.objects.all()._raw_delete(connection.alias)


def _line(label: str, rows: int, seconds: float, peak: int | None = None) -> str:
    memory = f", peak {peak / 2**20:,.0f} MiB (tracemalloc)" if peak is not None else ""
    return f"  {label:<52} {seconds:7.2f} s  {rows / seconds:9,.0f} rows/s{memory}"


def test_bench_ingest_network_file_against_django_import_export(settings):
    # Queueing 10,000 evaluation messages is the broker's cost, timed apart below.
    settings.RESCORE_TASK = ""
    org, vendors = _vendors()
    slugs = [v.slug for v in vendors]
    content = network_file(slugs)
    figures = [
        f"Network file: {ROWS:,} vendor-period rows x (6 KPIs + 12 raw counts), "
        f"{len(content) / 2**20:.1f} MiB CSV; database: {connection.vendor} "
        f"({connection.settings_dict['NAME']})"
    ]
    assert connection.vendor != "sqlite" or not connection.is_in_memory_db()
    theirs_import = _import_export(org, content)

    # 1. Ours (read, check, recompute, store new versions, queue after commit) and
    # django-import-export (same rows, same database; see _import_export), taking turns so
    # that both meet the same moments of a shared machine, each run from empty tables.
    ours_runs, theirs_runs, bare_runs = [], [], []
    stored: dict[type[Model], tuple[list[str], list[tuple[object, ...]]]] = {}
    for run in range(RUNS):
        _clear()
        started = time.perf_counter()
        result = report_ingest(
            organization=org, content=content, file_name="network.csv", multi_vendor=True
        )
        ours_runs.append(time.perf_counter() - started)
        assert len(result.report_ids) == ROWS
        values = ReportValue.objects.filter(report__organization=org).count()
        assert values == ROWS * (6 + 12 + 1)  # + aged_ar_over_90_rate from the buckets
        stored = stored or _stored_rows()
        _clear()
        theirs_runs.append(theirs_import(f"ie-{run + 1}"))
        _clear()
        bare_runs.append(_bare_insert(stored))
    ours, theirs = statistics.median(ours_runs), statistics.median(theirs_runs)
    bare = statistics.median(bare_runs)
    figures.append(_line(f"ours: first version of every row (median of {RUNS})", ROWS, ours))
    figures.append(
        f"  (runs {', '.join(f'{r:.2f}' for r in ours_runs)} s; {values:,} values stored: "
        f"{values / ours:,.0f} values/s)"
    )
    all_rows = sum(len(rows) for _, rows in stored.values())
    figures.append(
        _line(f"bare {BARE[connection.vendor]} of the rows ours stored (median)", ROWS, bare)
    )
    figures.append(
        f"  (runs {', '.join(f'{r:.2f}' for r in bare_runs)} s; {all_rows:,} rows in "
        f"{len(stored)} tables; ours takes {ours / bare:,.2f} x its time, target 1.5 x)"
    )

    # 2. Ours again with one count changed in every row: 10,000 supersessions, memory traced.
    _clear()
    result = report_ingest(
        organization=org, content=content, file_name="network.csv", multi_vendor=True
    )
    settings.RESCORE_TASK = "tests.bench.bench_ingest.report_stored"
    started = time.perf_counter()
    rescore_queue(list(PendingRescore.objects.values_list("pk", flat=True)))
    queued = time.perf_counter() - started
    figures.append(
        f"  then queueing one re-scoring task for {ROWS:,} reports after commit: {queued:.2f} s "
        f"({'eager no-op task' if settings.CELERY_TASK_ALWAYS_EAGER else 'broker'})"
    )
    settings.RESCORE_TASK = ""
    changed = network_file(slugs, bump=1)
    tracemalloc.start()
    started = time.perf_counter()
    report_ingest(organization=org, content=changed, file_name="network-v2.csv", multi_vendor=True)
    again = time.perf_counter() - started
    _, ours_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert Report.objects.filter(organization=org, is_current=True, version=2).count() == ROWS
    figures.append(_line("ours: second version, superseding (traced)", ROWS, again, ours_peak))

    # 3. Theirs beside ours, and its memory on a fifth of the rows (tracemalloc slows it about
    # four times).
    figures.append(_line(f"django-import-export (bulk, no diff; median of {RUNS})", ROWS, theirs))
    figures.append(f"  (runs {', '.join(f'{r:.2f}' for r in theirs_runs)} s)")
    figures.append(_theirs_traced(theirs_import))
    figures.append(
        f"  ours is {theirs / ours:,.1f} x its rows per second (target 20 x); "
        f"whole file in {ours:.2f} s (target 5 s); it stored {ROWS * 18:,} values a run"
    )
    print("\n" + "\n".join(figures))


def _theirs_traced(theirs_import: Callable[..., float]) -> str:
    """django-import-export's memory, on a fifth of the rows (tracemalloc slows it down)."""
    _clear()
    tracemalloc.start()
    traced = theirs_import("ie-traced", ROWS // 5)
    _, theirs_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return _line("django-import-export, 2,000 rows (traced)", ROWS // 5, traced, theirs_peak)


BARE = {"postgresql": "COPY (psycopg)", "sqlite": "executemany INSERT (sqlite3)"}


def _stored_rows() -> dict[type[Model], tuple[list[str], list[tuple[object, ...]]]]:
    """Every row the ingestion stored, column by column, as the driver gets them back."""
    out: dict[type[Model], tuple[list[str], list[tuple[object, ...]]]] = {}
    models: tuple[type[Model], ...] = (
        ReportUpload,
        Report,
        ReportValue,
        ReportFinding,
        DenialBreakdown,
    )
    for model in models:
        fields = model._meta.concrete_fields
        rows = list(model.objects.order_by("pk").values_list(*[f.attname for f in fields]))
        out[model] = ([str(f.column) for f in fields], rows)
    return out


def _bare_insert(stored: dict[type[Model], tuple[list[str], list[tuple[object, ...]]]]) -> float:
    """The seconds the driver alone takes to store the same rows, in one transaction."""
    raw = connection.connection
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for model, (columns, rows) in stored.items():
            table, names = model._meta.db_table, ", ".join(f'"{c}"' for c in columns)
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" * len(columns))
                raw.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)
    seconds = time.perf_counter() - started
    assert ReportValue.objects.count() == len(stored[ReportValue][1])
    return seconds


def _import_export(org: object, content: bytes) -> Callable[..., float]:
    """A function that imports the same file's values with django-import-export into
    ReportValue and returns the seconds it took.

    To be fair to it: it gets the rows already melted to one value per row (its natural shape,
    in its own CSV), the reports they belong to already exist (created outside the timing), and it
    runs in its fastest documented mode (bulk inserts, no diff, no instance lookup). It does not
    recompute, check or version anything; ours does all of that inside its time.
    """
    import tablib
    from import_export import fields, resources

    class ValueResource(resources.ModelResource):
        """Flat ReportValue rows: report id, field, stated value, value."""

        report_id = fields.Field(attribute="report_id", column_name="report_id")

        class Meta:
            model = ReportValue
            fields = ("report_id", "field", "stated_value", "value")
            import_id_fields = ()
            use_bulk = True
            batch_size = 1000
            skip_diff = True
            force_init_instance = True
            skip_unchanged = False
            report_skipped = False

    header, *lines = content.decode().splitlines()
    names = header.split(",")
    vendor_ids = dict(Vendor.objects.filter(organization=org).values_list("slug", "pk"))

    def melted(upload_name: str, limit: int) -> str:
        upload = ReportUpload.objects.create(
            organization=org,
            file_name=upload_name,
            sha256=upload_name,
            size_bytes=0,
            source="csv",
            received_at="2026-11-06T12:00:00Z",
        )
        reports = Report.objects.bulk_create(
            [
                Report(
                    organization=org,
                    vendor_id=vendor_ids[line.split(",", 2)[0]],
                    period=line.split(",", 2)[1],
                    version=1,
                    upload=upload,
                    received_at=upload.received_at,
                )
                for line in lines[:limit]
            ],
            batch_size=2000,
        )
        out = io.StringIO()
        out.write("report_id,field,stated_value,value\n")
        for report, line in zip(reports, lines[:limit], strict=True):
            for name, cell in zip(names[2:], line.split(",")[2:], strict=True):
                out.write(f"{report.pk},{name},{cell},{cell}\n")
        return out.getvalue()

    def run(upload_name: str, limit: int = ROWS) -> float:
        melted_file = melted(upload_name, limit)
        started = time.perf_counter()
        dataset = tablib.Dataset().load(melted_file, format="csv")
        result = ValueResource().import_data(dataset, dry_run=False, use_transactions=True)
        seconds = time.perf_counter() - started
        assert not result.has_errors() and not result.has_validation_errors()
        stored = ReportValue.objects.filter(report__upload__file_name=upload_name)
        assert stored.count() == limit * 18
        assert stored.filter(field="payments").first().value > Decimal(0)
        return seconds

    return run
