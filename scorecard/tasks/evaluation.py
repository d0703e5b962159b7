"""Evaluation tasks: thin, idempotent, one service call each."""

from __future__ import annotations

import datetime as dt

from celery import shared_task

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


@shared_task(name="scorecard.send_cure_reminders")
def send_cure_reminders(today: str | None = None) -> int:
    """Mail reminders of cure deadlines within seven days (daily; each reminder once)."""
    from django.utils import timezone

    day = dt.date.fromisoformat(today) if today else timezone.localdate()
    return notifications.cure_reminders_send(today=day)
