"""Benchmark: the audit page, API and CSV export over 100,000 events of one organization.

Run with ``uv run pytest -m bench -s tests/bench/bench_audit.py``. Prints the time of the first
and of a deep page (offset pagination), the queries each takes, and the time and peak memory
of exporting every row as CSV.
"""

from __future__ import annotations

import datetime as dt
import time
import tracemalloc

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import client_for
from tests.factories import member
from vendors.models import AuditEvent, Role

pytestmark = [pytest.mark.bench, pytest.mark.django_db]
EVENTS = 100_000


def test_audit_trail_at_100k_events(org):
    admin = member(org, Role.ADMIN, user__username="bench-admin")
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    AuditEvent.objects.bulk_create(
        (
            AuditEvent(
                organization=org,
                at=start + dt.timedelta(seconds=i),
                actor=admin,
                actor_name="bench-admin",
                record_type="sla_term",
                record_id=str(i),
                record_label=f"denial_rate: 8 / 12 ({i})",
                action="updated",
                reason="Contract v1 corrected in place.",
                changes={"benchmark": ["8.0000", "7.0000"]},
            )
            for i in range(EVENTS)
        ),
        batch_size=5000,
    )
    client = Client()
    client.force_login(admin)
    api = client_for(admin)
    client.get(reverse("audit"), {"record": "vendor"})  # warm: templates, URLs, the session
    figures = []
    for label, call in [
        ("page 1", lambda: client.get(reverse("audit"))),
        ("page 1000", lambda: client.get(reverse("audit"), {"page": "1000"})),
        ("page 1, record filter", lambda: client.get(reverse("audit"), {"record": "sla_term:7"})),
        ("API first 100", lambda: api.get("/api/v1/audit/")),
        ("API offset 50000", lambda: api.get("/api/v1/audit/", {"offset": "50000"})),
    ]:
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            assert call().status_code == 200
            figures.append((label, time.perf_counter() - began, len(queries.captured_queries)))
    began = time.perf_counter()
    size = sum(len(chunk) for chunk in client.get(reverse("audit-export")).streaming_content)
    seconds = time.perf_counter() - began
    tracemalloc.start()  # a second run for the memory: tracing slows the first one down
    lines = sum(
        chunk.count(b"\r\n") for chunk in client.get(reverse("audit-export")).streaming_content
    )
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert lines == EVENTS + 1
    print(f"\naudit trail, {EVENTS:,} events ({connection.vendor}):")
    for label, took, count in figures:
        print(f"  {label:<24} {took * 1000:8.1f} ms  {count} queries")
    size_mb = size / 1e6
    print(f"  CSV of every row       {seconds:8.2f} s   {size_mb:.1f} MB, peak {peak / 1e6:.0f} MB")
