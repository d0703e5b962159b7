"""Upload-preview housekeeping: thin, idempotent, one service call."""

from __future__ import annotations

from celery import shared_task

from scorecard.services import previews


@shared_task(name="scorecard.purge_upload_previews")
def purge_upload_previews() -> int:
    """Remove upload previews older than UPLOAD_PREVIEW_MAX_AGE_HOURS (hourly); how many."""
    return previews.previews_purge()
