"""Evaluation tasks: thin, idempotent, one service call each."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.conf import settings

from scorecard.services import evaluation, notifications


@shared_task(name="scorecard.evaluate_report", acks_late=True, reject_on_worker_lost=True)
def evaluate_report(report_id: int) -> int:
    """Evaluate a vendor after one of its reports was stored; the number of scorecards issued.

    Safe to run twice: the same inputs make no new revision and remediation never counts twice.
    """
    return evaluation.evaluate_report(report_id=report_id).issued


@shared_task(name="scorecard.evaluate_reports", acks_late=True, reject_on_worker_lost=True)
def evaluate_reports(report_ids: list[int]) -> int:
    """Evaluate every vendor with a report among ``report_ids`` (one task per ingest call);
    the number of scorecards issued. Safe to run twice, like ``evaluate_report``."""
    return evaluation.evaluate_reports(report_ids=list(report_ids)).issued


@shared_task(
    name="scorecard.rescore_pending",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
)
def rescore_pending(pending_ids: list[int]) -> int:
    """Re-issue the scorecards an input change affected (the ``RESCORE_TASK``, queued after the
    change commits with the ids of its pending rows); the number of scorecards issued.

    Safe to run twice: rows already done are gone, and the same inputs make no new revision.
    """
    return evaluation.rescore_pending(pending_ids=list(pending_ids)).issued


@shared_task(name="scorecard.evaluate_daily", acks_late=True, reject_on_worker_lost=True)
def evaluate_daily(today: str | None = None) -> int:
    """Daily (beat): measure every month whose report is due, reported or not, and re-score
    what a lost message left pending; the number of scorecards issued (0 on a second run)."""
    from django.utils import timezone

    day = dt.date.fromisoformat(today) if today else timezone.localdate()
    return evaluation.evaluate_daily(today=day).issued


@shared_task(name="scorecard.send_cure_reminders")
def send_cure_reminders(today: str | None = None) -> int:
    """Mail reminders of cure deadlines within seven days (daily; each reminder once)."""
    from django.utils import timezone

    day = dt.date.fromisoformat(today) if today else timezone.localdate()
    return notifications.cure_reminders_send(today=day)
