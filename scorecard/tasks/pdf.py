"""PDF render tasks: thin wrappers that take job ids and call one service each."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from scorecard.services import jobs

# Retries come back quickly (1 s, 2 s): far below any broker visibility timeout, so a retry
# waiting in a worker is never mistaken for a lost task.
RETRY_BACKOFF_SECONDS = 1
# Jobs this process is rendering now: its own lost-job sweep (embedded broker) leaves them be.
RENDERING_HERE: set[int] = set()


@shared_task(
    name="scorecard.pdf.render_scorecard_pdf",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
    max_retries=None,  # the job row's attempt counter decides when to give up
)
def render_scorecard_pdf(self, job_id: int, dispatch: int | None = None) -> None:
    """Render one scorecard revision's PDF for its job (safe to run twice); a message whose
    ``dispatch`` is not the job's latest was superseded and does nothing."""
    RENDERING_HERE.add(job_id)
    try:
        jobs.job_run_scorecard_pdf(job_id=job_id, dispatch=dispatch)
    except Exception as exc:
        if getattr(exc, "job_attempts_left", False):
            attempt = self.request.retries + 1
            raise self.retry(countdown=RETRY_BACKOFF_SECONDS * attempt) from exc
        # Out of attempts: the error is on the job row; the message is acknowledged.
    finally:
        RENDERING_HERE.discard(job_id)


@shared_task(name="scorecard.pdf.queue_monthly_batches", acks_late=True)
def queue_monthly_batches(today: str | None = None) -> list[int]:
    """Daily: on the business day after reports are due, queue last month's PDF batches."""
    day = dt.date.fromisoformat(today) if today else timezone.localdate()
    return jobs.batches_queue_if_due(today=day)


@shared_task(name="scorecard.jobs.requeue_lost", acks_late=True)
def requeue_lost_jobs() -> list[int]:
    """Periodic: queue again the render jobs whose task was lost with its worker."""
    return jobs.jobs_requeue_lost()
