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
