"""The Celery application; tasks are found in each app's tasks.py."""

import os
import threading
from typing import Any

from celery import Celery
from celery.signals import worker_ready, worker_shutdown

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scorecard.settings")

app = Celery("scorecard")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

_sweeper_stop = threading.Event()


def _sweep_lost_jobs_forever(every_seconds: float) -> None:
    """Run the lost-job sweep every ``every_seconds`` until the worker shuts down."""
    from django.db import close_old_connections

    from scorecard.services import jobs
    from scorecard.tasks.pdf import RENDERING_HERE

    while not _sweeper_stop.wait(every_seconds):
        try:
            jobs.jobs_requeue_lost(rendering_here=set(RENDERING_HERE))
        except Exception:  # a locked or unreachable database: the next round tries again
            import logging

            logging.getLogger(__name__).exception("The lost-job sweep failed.")
        finally:
            close_old_connections()


@worker_ready.connect
def _start_embedded_sweeper(**_: Any) -> None:
    """On the embedded broker no beat runs, and a message taken by a killed worker is gone:
    each worker sweeps for lost jobs itself, on the beat schedule's interval (skipping the job
    it renders itself: the solo pool enforces no time limit, so a slow render is not lost)."""
    from django.conf import settings

    if settings.CELERY_EMBEDDED:
        every = float(settings.CELERY_BEAT_SCHEDULE["scorecard-requeue-lost-jobs"]["schedule"])
        threading.Thread(
            target=_sweep_lost_jobs_forever, args=(every,), name="lost-job-sweep", daemon=True
        ).start()


@worker_shutdown.connect
def _stop_embedded_sweeper(**_: Any) -> None:
    _sweeper_stop.set()
