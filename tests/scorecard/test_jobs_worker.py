"""PDF jobs on a real broker with real Celery workers started as subprocesses.

Run with CELERY_BROKER_URL=redis://... and DATABASE_URL=postgres://... (the workers use the test
database). CELERY_VISIBILITY_TIMEOUT is set to 13 s for the workers so that a task whose worker
was killed is handed out again quickly.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings

from scorecard.celery import app
from scorecard.embedded_worker import stop_worker, worker_command
from scorecard.models import Job, JobStatus
from scorecard.services import jobs
from tests.scorecard.pdf_fixtures import build_vendor_history

# serialized_rollback: the KPI catalog (a data migration) survives the flush after each test.
pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def _no_rescoring(settings):
    """These tests build scorecards directly (make_scorecard), not by evaluation: the contracts
    they create queue no re-scoring, which would issue scorecards of its own on commit."""
    settings.RESCORE_TASK = ""


def database_url() -> str:
    """The test database as a URL the worker reads (the test run's own database name)."""
    db = django_settings.DATABASES["default"]
    if "postgresql" in db["ENGINE"]:
        auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
        return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    name = str(db["NAME"])
    if name == ":memory:" or "mode=memory" in name:
        pytest.skip("the worker cannot open an in-memory SQLite test database")
    return f"sqlite:///{name}"


@pytest.fixture
def broker() -> Iterator[None]:
    """A clean broker database, and tasks sent to it (not run eagerly) from this process."""
    import redis

    client = redis.Redis.from_url(django_settings.CELERY_BROKER_URL)
    client.flushdb()
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = eager
    client.flushdb()


@pytest.fixture
def start_worker(settings: Any, tmp_path: Path, broker: None) -> Iterator[Callable[..., Any]]:
    """Start Celery workers on the test database and broker; all are stopped at the end."""
    started: list[subprocess.Popen[bytes]] = []

    def start(name: str, **env: str) -> subprocess.Popen[bytes]:
        log = (tmp_path / f"{name}.log").open("wb")
        process = subprocess.Popen(
            worker_command(name=f"{name}-{os.getpid()}@%h"),
            cwd=django_settings.BASE_DIR,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={
                **os.environ,
                "DATABASE_URL": database_url(),
                "DATABASE_CONN_MAX_AGE": "0",
                "CELERY_BROKER_URL": django_settings.CELERY_BROKER_URL,
                # Longer than a render on a busy machine (a shorter visibility timeout hands a
                # task still running to the other worker), and no shorter than the hard time
                # limit plus the margin, as settings insist.
                "CELERY_VISIBILITY_TIMEOUT": "13",
                "CELERY_TASK_SOFT_TIME_LIMIT": "10",
                "CELERY_TASK_TIME_LIMIT": "12",
                "CELERY_TASK_LOST_MARGIN": "1",
                "CELERY_TASK_ALWAYS_EAGER": "0",
                "MEDIA_ROOT": str(settings.MEDIA_ROOT),
                **env,
            },
        )
        started.append(process)
        return process

    yield start
    for process in started:
        stop_worker(process, timeout=20)


def wait_for(check: Callable[[], bool], timeout: float, what: str, poll: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(poll)


def job_row(job_id: int) -> Job:
    return Job.objects.get(pk=job_id)


def pdfs(settings: Any) -> list[Path]:
    return sorted(Path(settings.MEDIA_ROOT).rglob("*.pdf"))


def test_worker_killed_mid_render_leaves_the_job_finished_exactly_once(org, settings, start_worker):
    scorecard = build_vendor_history(org)
    first = start_worker("first")
    job = jobs.pdf_job_request(scorecard=scorecard)  # committed: the task is on the broker
    wait_for(lambda: job_row(job.pk).status == JobStatus.RUNNING, 60, "the render to start", 0.01)
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    killed = job_row(job.pk)
    assert (killed.status, killed.attempts) == (JobStatus.RUNNING, 1)  # killed mid-render
    start_worker("second")  # restarted: takes the unacknowledged task after the visibility timeout
    wait_for(lambda: job_row(job.pk).status == JobStatus.DONE, 90, "the job to finish")
    time.sleep(14)  # longer than the visibility timeout: no further delivery changes anything
    done = job_row(job.pk)
    assert (done.status, done.attempts, done.error) == (JobStatus.DONE, 2, "")
    files = pdfs(settings)
    assert len(files) == 1
    assert hashlib.sha256(files[0].read_bytes()).hexdigest() == done.sha256


def test_always_failing_job_stops_after_three_attempts_with_its_error(org, settings, start_worker):
    scorecard = build_vendor_history(org)
    # The worker's template setting points at a template that does not exist: a real failure.
    start_worker("broken", SCORECARD_PDF_TEMPLATE="scorecard/pdf/broken-on-purpose.html")
    job = jobs.pdf_job_request(scorecard=scorecard)
    wait_for(lambda: job_row(job.pk).status == JobStatus.FAILED, 90, "the job to give up")
    time.sleep(4)  # no fourth attempt follows
    failed = job_row(job.pk)
    assert (failed.status, failed.attempts) == (JobStatus.FAILED, 3)
    assert failed.error == "TemplateDoesNotExist: scorecard/pdf/broken-on-purpose.html"
    assert pdfs(settings) == []


def test_the_same_request_twice_gives_one_file(org, settings, start_worker):
    scorecard = build_vendor_history(org)
    start_worker("one")
    start_worker("two")
    first = jobs.pdf_job_request(scorecard=scorecard)
    second = jobs.pdf_job_request(scorecard=scorecard)
    assert first.pk == second.pk
    wait_for(lambda: job_row(first.pk).status == JobStatus.DONE, 90, "the job to finish")
    third = jobs.pdf_job_request(scorecard=scorecard)
    assert third.pk == first.pk and third.status == JobStatus.DONE
    time.sleep(2)
    done = job_row(first.pk)
    assert done.attempts == 1
    assert len(pdfs(settings)) == 1
    assert Job.objects.count() == 1


def test_render_scorecards_starts_its_own_worker_when_none_answers(
    org, settings, broker, tmp_path, monkeypatch
):
    import io

    from django.core.management import call_command

    build_vendor_history(org)
    build_vendor_history(org, name="Summit RCM")
    # what the command's worker subprocess inherits: the test database and media folder
    monkeypatch.setenv("DATABASE_URL", database_url())
    monkeypatch.setenv("CELERY_TASK_ALWAYS_EAGER", "0")
    monkeypatch.setenv("MEDIA_ROOT", str(settings.MEDIA_ROOT))
    settings.CELERY_TASK_ALWAYS_EAGER = False
    out = io.StringIO()
    call_command("render_scorecards", period="2026-10", out=str(tmp_path / "out"), stdout=out)
    text = out.getvalue()
    assert "Started a Celery worker" in text
    assert "[##############################] 2/2 100 %" in text
    copied = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert len(copied) == 2 and copied[0].startswith("northwind-billing-2026-10-r1-")
    assert "2 PDF scorecards for 2026-10." in text
