"""Bulk writes of plain tuples (vendors.bulk): ids in row order across batches, prepared values."""

from __future__ import annotations

import datetime as dt

import pytest

from scorecard.models import Notification
from vendors import bulk as db

pytestmark = pytest.mark.django_db

COLUMNS = ["organization_id", "key", "kind", "subject", "recipients", "sent_at"]
AT = dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.UTC)


def test_insert_returning_ids_gives_each_row_its_id_across_batches(org):
    count = db.RETURNING_BATCH_ROWS * 2 + 1  # three statements
    rows = [(org.pk, f"k{i}", "breach", f"Subject {i}", [f"{i}@x.test"], AT) for i in range(count)]
    ids = db.insert_rows_returning_ids(Notification, COLUMNS, rows)
    assert len(ids) == len(set(ids)) == count
    stored = {n.pk: n for n in Notification.objects.all()}
    for pk, row in zip(ids, rows, strict=True):
        n = stored[pk]
        assert (n.organization_id, n.key, n.kind, n.subject, n.recipients, n.sent_at) == row


def test_insert_rows_ignoring_conflicts_and_update_rows(org):
    db.insert_rows(Notification, COLUMNS, [(org.pk, "a", "breach", "A", [], AT)])
    db.insert_rows(
        Notification,
        COLUMNS,
        [(org.pk, "a", "breach", "again", [], AT), (org.pk, "b", "breach", "B", [], AT)],
        ignore_conflicts=True,
    )
    assert list(Notification.objects.order_by("key").values_list("key", "subject")) == [
        ("a", "A"),
        ("b", "B"),
    ]
    b = Notification.objects.get(key="b")
    later = AT + dt.timedelta(hours=1)
    db.update_rows(Notification, ["subject", "recipients", "sent_at"], [("B2", ["x"], later, b.pk)])
    b.refresh_from_db()
    assert (b.subject, b.recipients, b.sent_at) == ("B2", ["x"], later)


def test_insert_rows_in_full_statements_batches_and_the_rest(org):
    # Two executemany batches of full multi-row statements, one more full one, then the rest.
    count = db.BATCH_ROWS + 2 * db.ROWS_PER_STATEMENT + 7
    rows = [(org.pk, f"k{i}", "breach", f"Subject {i}", [i], AT) for i in range(count)]
    db.insert_rows(Notification, COLUMNS, rows)
    stored = Notification.objects.order_by("id").values_list(
        "organization_id", "key", "kind", "subject", "recipients", "sent_at"
    )
    assert list(stored) == rows


def _reports(vendor, count):
    """``count`` stored reports of one vendor (one a month from 2020-01), with no values."""
    from tests.factories import make_report

    periods = [f"{2020 + i // 12}-{i % 12 + 1:02d}" for i in range(count)]
    return [make_report(vendor, period, {}).pk for period in periods]


def test_insert_unpivoted_stores_one_row_per_key_and_present_group_in_order(org):
    from decimal import Decimal as D

    from tests.factories import VendorFactory
    from vendors.models import KPIDefinition, ReportValue

    denial = KPIDefinition.objects.get(code="denial_rate")
    keys = _reports(VendorFactory(organization=org), 3)
    # Per key: denial rate (stated, recomputed, insufficient) and one raw count.
    stated = [D("7.25"), None, D("9")]
    recomputed = [D("7.123456"), None, None]
    insufficient = [False, None, True]  # None: the second report has no denial rate
    claims = [D(4000), D(12), None]  # the third has no claims_submitted
    at = db.Param
    groups = [
        (
            {
                "field": "denial_rate",
                "kpi": denial.pk,
                "stated_value": at(0),
                "recomputed_value": at(1),
                "value": at(1),
                "insufficient_data": at(2),
                "volume": at(3),
            },
            2,
        ),
        (
            {
                "field": "claims_submitted",
                "kpi": None,
                "stated_value": at(3),
                "recomputed_value": None,
                "value": at(3),
                "insufficient_data": False,
                "volume": None,
            },
            3,
        ),
    ]
    db.insert_unpivoted(
        ReportValue, "report", keys, [stated, recomputed, insufficient, claims], groups
    )
    stored = list(  # each key's rows in group order (ids rise within a key)
        ReportValue.objects.order_by("report_id", "id").values_list(
            "report_id",
            "field",
            "kpi_id",
            "stated_value",
            "recomputed_value",
            "value",
            "insufficient_data",
            "volume",
        )
    )
    assert stored == [
        (
            keys[0],
            "denial_rate",
            denial.pk,
            D("7.25"),
            D("7.123456"),
            D("7.123456"),
            False,
            D(4000),
        ),
        (keys[0], "claims_submitted", None, D(4000), None, D(4000), False, None),
        (keys[1], "claims_submitted", None, D(12), None, D(12), False, None),
        (keys[2], "denial_rate", denial.pk, D(9), None, None, True, None),
    ]


def test_insert_unpivoted_in_full_statements_and_the_rest(org, monkeypatch):
    from decimal import Decimal as D

    from tests.factories import VendorFactory
    from vendors.models import ReportValue

    monkeypatch.setattr(db, "UNPIVOT_KEYS", 2)
    keys = _reports(VendorFactory(organization=org), 5)  # two full statements, then one key
    payments = [D(100 + i) for i in range(5)]
    totals = [D(1000 + i) if i != 3 else None for i in range(5)]
    groups = [
        (
            {
                "field": name,
                "kpi": None,
                "stated_value": db.Param(i),
                "recomputed_value": None,
                "value": db.Param(i),
                "insufficient_data": False,
                "volume": None,
            },
            i,
        )
        for i, name in enumerate(["payments", "total_ar"])
    ]
    db.insert_unpivoted(ReportValue, "report", keys, [payments, totals], groups)
    stored = list(
        ReportValue.objects.order_by("report_id", "id").values_list("report_id", "field", "value")
    )
    expected = []
    for key, paid, total in zip(keys, payments, totals, strict=True):
        expected.append((key, "payments", paid))
        if total is not None:
            expected.append((key, "total_ar", total))
    assert stored == expected


def test_insert_unpivoted_refuses_groups_of_different_columns(org):
    from vendors.models import ReportValue

    groups = [({"field": "a", "value": db.Param(0)}, 0), ({"value": db.Param(0), "field": "b"}, 0)]
    with pytest.raises(ValueError, match="every group maps the same columns"):
        db.insert_unpivoted(ReportValue, "report", [1], [[1]], groups)


def test_collector_paused_restores_the_collector_as_it_was():
    import gc

    assert gc.isenabled()
    with db.collector_paused():
        assert not gc.isenabled()
        with db.collector_paused():  # nested: the inner one leaves it off
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), db.collector_paused():
        raise RuntimeError("refused")
    assert gc.isenabled()
    gc.disable()
    try:
        with db.collector_paused():
            pass
        assert not gc.isenabled()  # it was off before: it stays off
    finally:
        gc.enable()


def test_insert_unpivoted_sends_a_list_given_twice_once(org):
    from decimal import Decimal as D

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import VendorFactory
    from vendors.models import ReportValue

    keys = _reports(VendorFactory(organization=org), 2)
    payments = [D(100), D(200)]
    other = [D(7), None]
    mapping = {
        "field": "payments",
        "kpi": None,
        "stated_value": db.Param(0),
        "recomputed_value": db.Param(2),
        "value": db.Param(1),  # the same list as Param(0)
        "insufficient_data": False,
        "volume": None,
    }
    with CaptureQueriesContext(connection) as queries:
        db.insert_unpivoted(
            ReportValue, "report", keys, [payments, payments, other], [(mapping, 1)]
        )
    if connection.vendor == "sqlite":
        [insert] = [q["sql"] for q in queries if "INSERT" in q["sql"]]
        assert "u (k, c0, c1) AS" in insert  # two value columns sent, not three
    else:  # PostgreSQL: the rows are made on this side and sent through one COPY
        assert [q["sql"] for q in queries if "INSERT" in q["sql"]] == []
    assert list(
        ReportValue.objects.order_by("report_id").values_list(
            "report_id", "stated_value", "value", "recomputed_value"
        )
    ) == [(keys[0], D(100), D(100), D(7)), (keys[1], D(200), D(200), None)]


def test_insert_rows_stores_decimals_exactly_and_none_as_null(org):
    from decimal import Decimal as D

    from tests.factories import VendorFactory
    from vendors.models import ReportFinding

    [report] = _reports(VendorFactory(organization=org), 1)
    rows = [
        (report, "aging_sum", "total_ar", "A", D("1234567.891234"), D("0.000001")),
        (report, "discrepancy", "denial_rate", "B", None, D("99.5")),
    ]
    db.insert_rows(
        ReportFinding, ["report", "code", "field", "message", "stated", "expected"], rows
    )
    stored = ReportFinding.objects.order_by("id").values_list(
        "report_id", "code", "field", "message", "stated", "expected"
    )
    assert list(stored) == rows


COPY_HEAD = 'COPY "scorecard_notification" ("organization_id", "key", "kind", "subject", '


@pytest.mark.postgres
def test_on_postgresql_rows_and_rows_with_ids_go_through_one_copy_each(org):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rows = [(org.pk, f"k{i}", "breach", f"S{i}", [i], AT) for i in range(1200)]
    with CaptureQueriesContext(connection) as queries:
        db.insert_rows(Notification, COLUMNS, rows[:600])
        ids = db.insert_rows_returning_ids(Notification, COLUMNS, rows[600:])
    sql = [q["sql"] for q in queries]
    assert not [s for s in sql if s.startswith("INSERT")]
    copies = [s for s in sql if s.startswith("COPY")]
    assert copies == [
        COPY_HEAD + '"recipients", "sent_at") FROM STDIN',
        'COPY "scorecard_notification" ("id", "organization_id", "key", "kind", "subject", '
        '"recipients", "sent_at") FROM STDIN',
    ]
    assert ids == sorted(ids) and len(set(ids)) == 600
    stored = Notification.objects.order_by("id").values_list("id", *COLUMNS)
    assert [row[1:] for row in stored] == rows
    assert [row[0] for row in stored][600:] == ids
    # The sequence moved past the keys COPY stored: the next ordinary save takes a new one.
    later = Notification.objects.create(
        organization=org, key="later", kind="breach", subject="L", recipients=[], sent_at=AT
    )
    assert later.pk > max(ids)


def test_a_refused_row_stores_none_of_the_rows(org):
    from django.db import IntegrityError, transaction

    db.insert_rows(Notification, COLUMNS, [(org.pk, "taken", "breach", "A", [], AT)])
    rows = [(org.pk, f"k{i}", "breach", "S", [], AT) for i in range(700)]
    rows.append((org.pk, "taken", "breach", "again", [], AT))  # breaks the unique key, last
    for insert in (db.insert_rows, db.insert_rows_returning_ids):
        with pytest.raises(IntegrityError), transaction.atomic():
            insert(Notification, COLUMNS, rows)
        assert list(Notification.objects.values_list("key", flat=True)) == ["taken"]


@pytest.mark.django_db(transaction=True)
def test_analyze_runs_after_commit_on_the_tables_of_a_large_load(settings, org):
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from vendors.models import Report, ReportValue

    settings.BULK_ANALYZE_ROWS = 500
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        db.analyze_after_load({Notification: 500, Report: 499, ReportValue: 9000})
        assert not [q for q in queries if "ANALYZE" in q["sql"]]  # not before commit
    analyzed = [q["sql"] for q in queries if q["sql"].startswith("ANALYZE")]
    assert analyzed == ['ANALYZE "scorecard_notification"', 'ANALYZE "vendors_reportvalue"']
    settings.BULK_ANALYZE_ROWS = 0  # never
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        db.analyze_after_load({Notification: 10**6})
    assert not [q for q in queries if "ANALYZE" in q["sql"]]
