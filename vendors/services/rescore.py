"""Re-scoring requests: every vendor service that changes an evaluation input calls
``rescore_request`` inside its own transaction.

The request is a durable ``PendingRescore`` row written in the same transaction as the change,
and one task (the ``RESCORE_TASK`` setting, a dotted path because vendors never imports
scorecard) queued after commit re-issues the affected scorecards and deletes the rows it did.
A lost message loses nothing: the daily evaluation picks up whatever rows are left.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from vendors import periods
from vendors.models import PendingRescore, SLATerm, Vendor

logger = logging.getLogger(__name__)


def rescore_request(
    *, vendors: Iterable[tuple[int, int, str]], reason: str
) -> list[PendingRescore]:
    """Record that these vendors' scorecards need re-issuing and queue the task after commit.

    ``vendors`` are (organization id, vendor id, first period affected) triples; the rows are
    written in the caller's transaction, so a change that rolls back asks for nothing.
    """
    first: dict[tuple[int, int], str] = {}
    for organization_id, vendor_id, period in vendors:
        key = (organization_id, vendor_id)
        first[key] = min(first.get(key, period), period)
    if not first:
        return []
    rows = PendingRescore.objects.bulk_create(
        [
            PendingRescore(
                organization_id=org_id, vendor_id=vendor_id, from_period=period, reason=reason
            )
            for (org_id, vendor_id), period in sorted(first.items())
        ]
    )
    ids = [row.pk for row in rows]
    transaction.on_commit(lambda: rescore_queue(ids))
    return rows


def rescore_queue(pending_ids: list[int]) -> None:
    """Queue ONE re-scoring task for the pending rows (the task path is a setting)."""
    path = settings.RESCORE_TASK
    if not path or not pending_ids:
        return
    try:
        import_string(path).delay(list(pending_ids))
    except Exception:
        # The rows are committed: the daily evaluation re-scores what a lost message missed.
        logger.exception("Could not queue the re-scoring of pending rows %s", pending_ids)


def rescore_vendor(*, vendor: Vendor, from_period: str, reason: str) -> list[PendingRescore]:
    """Ask for one vendor's scorecards from ``from_period`` on to be re-issued."""
    return rescore_request(
        vendors=[(vendor.organization_id, vendor.pk, from_period)], reason=reason
    )


def rescore_organization(
    *, organization_id: int, from_period: str, reason: str
) -> list[PendingRescore]:
    """Ask for every vendor of an organization to be re-scored (a holiday list changed)."""
    vendor_ids = Vendor.objects.filter(organization_id=organization_id).values_list("pk", flat=True)
    return rescore_request(
        vendors=[(organization_id, vid, from_period) for vid in vendor_ids], reason=reason
    )


def rescore_kpi(*, kpi_id: int, reason: str) -> list[PendingRescore]:
    """Ask for every vendor whose contracts hold an SLA term of this KPI to be re-scored from
    the start of those contracts (a KPI definition changed)."""
    rows = (
        SLATerm.objects.filter(kpi_id=kpi_id)
        .values_list("contract__organization_id", "contract__vendor_id", "contract__start_date")
        .order_by()
    )
    return rescore_request(
        vendors=[(org_id, vid, periods.period_of(start)) for org_id, vid, start in rows],
        reason=reason,
    )


@transaction.atomic
def rescore_done(*, ids: list[int]) -> int:
    """Delete the pending rows a re-scoring run has done (rows added meanwhile stay)."""
    deleted = 0
    for start in range(0, len(ids), 2000):
        deleted += PendingRescore.objects.filter(pk__in=ids[start : start + 2000]).delete()[0]
    return deleted
