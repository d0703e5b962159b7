"""No stuck job, with real workers killed mid-render (kill -9) and started again.

On the embedded broker (filesystem://) a message is gone once a worker takes it, so the job of
a killed worker would stay ``running`` for ever: the restarted worker's sweep queues it again. On
Redis the unacknowledged message would come back only after the visibility timeout (an hour
here): beat's sweep queues it again first, and the late message does nothing. Either way the job
ends ``done`` once, with one file, and nobody asks twice.
"""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection

from scorecard.celery import app
from scorecard.embedded_worker import stop_worker, worker_command
from scorecard.models import Job, JobStatus
from scorecard.services import jobs
from scorecard.tasks.pdf import render_scorecard_pdf
from tests.scorecard.pdf_fixtures import build_vendor_history
from tests.scorecard.test_jobs_worker import database_url, wait_for

# Short limits for the workers: a job is presumed lost 4 + 1 s after its attempt began, and the
# sweep looks every second (a worker never takes the job it renders itself for lost, however
# long a render on a busy machine takes).
LIMITS = {
    "CELERY_TASK_SOFT_TIME_LIMIT": "3",
    "CELERY_TASK_TIME_LIMIT": "4",
    "CELERY_TASK_LOST_MARGIN": "1",
}
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _no_rescoring(settings):
    """These tests build scorecards directly (make_scorecard), not by evaluation: the contracts
    they create queue no re-scoring, which would issue scorecards of its own on commit."""
    settings.RESCORE_TASK = ""


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Start Celery worker (or beat) subprocesses; all are stopped at the end."""
    started: list[subprocess.Popen[bytes]] = []

    def start(name: str, env: dict[str, str], command: list[str] | None = None) -> Any:
        log = (tmp_path / f"{name}.log").open("wb")
        process = subprocess.Popen(
            command or worker_command(name=f"{name}-{os.getpid()}@%h"),
            cwd=django_settings.BASE_DIR,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "CELERY_TASK_ALWAYS_EAGER": "0", **LIMITS, **env},
        )
        started.append(process)
        return process

    yield start
    for process in started:
        stop_worker(process, timeout=20)


def kill_mid_render(process: subprocess.Popen[bytes], status: Callable[[], tuple]) -> None:
    wait_for(lambda: status()[0] == JobStatus.RUNNING, 60, "the render to start", 0.005)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert status()[:3] == (JobStatus.RUNNING, 1, 1)  # killed mid-render: attempt 1, message 1


def assert_done_once(status: Callable[[], tuple], media: Path) -> None:
    wait_for(lambda: status()[0] == JobStatus.DONE, 60, "the job to finish")
    done = status()
    time.sleep(3)  # three sweeps later: nothing changes any more
    assert status() == done
    state, attempts, dispatches, error, digest, _ = done
    assert (state, attempts, dispatches, error) == (JobStatus.DONE, 2, 2, "")
    files = sorted(media.rglob("*.pdf"))
    assert len(files) == 1
    assert hashlib.sha256(files[0].read_bytes()).hexdigest() == digest


@pytest.mark.skipif(
    "sqlite" not in django_settings.DATABASES["default"]["ENGINE"],
    reason="the embedded default is SQLite with the filesystem broker",
)
def test_embedded_broker_worker_killed_mid_render_the_next_worker_finishes_the_job(
    org, tmp_path, workers
):
    scorecard = build_vendor_history(org)
    # The row pdf_job_request makes; its message is sent to the workers' broker below.
    job = Job.objects.create(
        organization=org,
        kind=jobs.PDF_KIND,
        key=jobs.scorecard_pdf_key(scorecard.pk),
        scorecard=scorecard,
        period=scorecard.period,
        dispatches=1,
    )
    # The workers open a copy of the test database (an in-memory one cannot be shared).
    db_file = tmp_path / "scorecard.sqlite3"
    with connection.cursor() as cursor:
        cursor.execute("VACUUM INTO %s", [str(db_file)])
    var, media = tmp_path / "var", tmp_path / "media"
    env = {
        "CELERY_BROKER_URL": "filesystem://",
        "VAR_DIR": str(var),
        "MEDIA_ROOT": str(media),
        "DATABASE_URL": f"sqlite:///{db_file}",
    }
    folder = var / "celery" / "queue"
    folder.mkdir(parents=True)
    options = {"data_folder_in": str(folder), "data_folder_out": str(folder)}
    eager, app.conf.task_always_eager = app.conf.task_always_eager, False
    try:
        with app.connection_for_write("filesystem://", transport_options=options) as broker:
            render_scorecard_pdf.apply_async((job.pk, 1), connection=broker)
    finally:
        app.conf.task_always_eager = eager

    def status() -> tuple:
        with sqlite3.connect(db_file, timeout=30) as db:
            return db.execute(
                "SELECT status, attempts, dispatches, error, sha256, finished_at "
                "FROM scorecard_job WHERE id = ?",
                [job.pk],
            ).fetchone()

    kill_mid_render(workers("first", env), status)
    assert list(folder.iterdir()) == []  # the message went with the killed worker
    workers("second", env)
    assert_done_once(status, media)


@pytest.mark.worker
def test_redis_worker_killed_mid_render_beat_requeues_it_long_before_the_visibility_timeout(
    org, settings, tmp_path, workers
):
    import redis

    client = redis.Redis.from_url(django_settings.CELERY_BROKER_URL)
    client.flushdb()
    env = {
        "DATABASE_URL": database_url(),
        "DATABASE_CONN_MAX_AGE": "0",
        "CELERY_BROKER_URL": django_settings.CELERY_BROKER_URL,
        "CELERY_VISIBILITY_TIMEOUT": "3600",  # the issue: stuck up to an hour
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "VAR_DIR": str(tmp_path / "var"),
    }
    scorecard = build_vendor_history(org)
    first = workers("first", env)
    eager, app.conf.task_always_eager = app.conf.task_always_eager, False
    try:
        job = jobs.pdf_job_request(scorecard=scorecard)  # committed: the message is on Redis
    finally:
        app.conf.task_always_eager = eager

    def status() -> tuple:
        row = Job.objects.filter(pk=job.pk)
        return row.values_list(
            "status", "attempts", "dispatches", "error", "sha256", "finished_at"
        ).get()

    try:
        kill_mid_render(first, status)
        beat = [sys.executable, "-m", "celery", "-A", "scorecard", "beat", "--loglevel=WARNING"]
        workers("beat", env, [*beat, "-s", str(tmp_path / "beat-schedule")])
        workers("second", env)
        assert_done_once(status, Path(settings.MEDIA_ROOT))
    finally:
        client.flushdb()
