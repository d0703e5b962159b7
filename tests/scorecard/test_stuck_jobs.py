"""No stuck job: a render job whose task was lost with its worker is queued again by the
periodic sweep and by a repeated request once it has been running past the hard time limit plus
the margin; the attempt cap still holds; a superseded message does nothing.

Tasks run eagerly here; the worker tests kill real workers (test_stuck_jobs_worker.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from scorecard.models import Job, JobStatus
from scorecard.services import jobs
from scorecard.tasks.pdf import render_scorecard_pdf, requeue_lost_jobs
from tests.scorecard.pdf_fixtures import build_vendor_history

pytestmark = pytest.mark.django_db

# The defaults: hard time limit 180 s plus margin 60 s.
LOST_AFTER = dt.timedelta(seconds=240)


def lost_mid_render(org, *, attempts: int = 1):
    """A job whose worker took its message and died mid-render: running, attempt counted."""
    scorecard = build_vendor_history(org)
    job = jobs.pdf_job_request(scorecard=scorecard)  # queued; its message is never delivered
    for _ in range(attempts):
        Job.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED)
        assert jobs.job_start(job_id=job.pk, dispatch=1) is not None
    job.refresh_from_db()
    assert (job.status, job.attempts, job.dispatches) == (JobStatus.RUNNING, attempts, 1)
    return job


def started_ago(job: Job, delta: dt.timedelta) -> dt.datetime:
    """Move the attempt's start back by ``delta``; returns the new start."""
    start = timezone.now() - delta
    Job.objects.filter(pk=job.pk).update(started_at=start)
    return start


def pdf_files(settings) -> list[Path]:
    return sorted(Path(settings.MEDIA_ROOT).rglob("*.pdf"))


def test_lost_after_is_the_hard_time_limit_plus_the_margin():
    assert (django_settings.CELERY_TASK_TIME_LIMIT, django_settings.CELERY_TASK_LOST_MARGIN) == (
        180,
        60,
    )
    assert jobs.lost_after_seconds() == 240


def test_sweep_leaves_a_job_alone_until_it_runs_past_the_limit_then_queues_it_again(
    org, settings, django_capture_on_commit_callbacks
):
    job = lost_mid_render(org)
    start = started_ago(job, dt.timedelta(seconds=10))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert jobs.jobs_requeue_lost(now=start + LOST_AFTER) == []  # exactly at the limit
    assert callbacks == []
    assert Job.objects.get(pk=job.pk).status == JobStatus.RUNNING
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert jobs.jobs_requeue_lost(now=start + LOST_AFTER + dt.timedelta(seconds=1)) == [job.pk]
    assert len(callbacks) == 1  # one new message, sent after commit, run eagerly here
    done = Job.objects.get(pk=job.pk)
    assert (done.status, done.attempts, done.dispatches, done.error) == (
        JobStatus.DONE,
        2,
        2,
        "",
    )
    files = pdf_files(settings)
    assert [f.relative_to(settings.MEDIA_ROOT).as_posix() for f in files] == [done.file]
    assert hashlib.sha256(files[0].read_bytes()).hexdigest() == done.sha256


def test_the_beat_task_runs_the_sweep(org, django_capture_on_commit_callbacks):
    job = lost_mid_render(org)
    started_ago(job, LOST_AFTER + dt.timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert requeue_lost_jobs.delay().get() == [job.pk]
    assert Job.objects.values_list("status", "attempts").get(pk=job.pk) == (JobStatus.DONE, 2)
    entry = django_settings.CELERY_BEAT_SCHEDULE["scorecard-requeue-lost-jobs"]
    assert entry == {"task": "scorecard.jobs.requeue_lost", "schedule": 60.0}


def test_asking_again_requeues_a_lost_job_but_not_one_still_within_the_limit(
    org, settings, django_capture_on_commit_callbacks
):
    job = lost_mid_render(org)
    scorecard = job.scorecard
    started_ago(job, LOST_AFTER - dt.timedelta(seconds=5))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = jobs.pdf_job_request(scorecard=scorecard)
    assert callbacks == []  # still within the limit: the same running job, nothing queued
    assert (again.pk, again.status, again.attempts) == (job.pk, JobStatus.RUNNING, 1)
    started_ago(job, LOST_AFTER + dt.timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = jobs.pdf_job_request(scorecard=scorecard)
    assert len(callbacks) == 1
    done = Job.objects.get(pk=job.pk)
    assert (done.status, done.attempts, done.dispatches) == (JobStatus.DONE, 2, 2)
    assert len(pdf_files(settings)) == 1
    assert Job.objects.count() == 1


def test_the_superseded_message_does_nothing_when_the_broker_hands_it_out_late(
    org, settings, django_capture_on_commit_callbacks
):
    job = lost_mid_render(org)
    started_ago(job, LOST_AFTER + dt.timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        jobs.jobs_requeue_lost()
    path = Path(settings.MEDIA_ROOT) / Job.objects.get(pk=job.pk).file
    before = (path.stat().st_mtime_ns, path.read_bytes())
    Job.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED)  # even while queued again
    render_scorecard_pdf.delay(job.pk, 1)  # the lost message, redelivered after all
    after = Job.objects.get(pk=job.pk)
    assert (after.status, after.attempts, after.dispatches) == (JobStatus.QUEUED, 2, 2)
    render_scorecard_pdf.delay(job.pk, 2)  # the current one runs
    assert Job.objects.values_list("status", "attempts").get(pk=job.pk) == (JobStatus.DONE, 3)
    assert path.stat().st_mtime_ns != before[0]  # rendered again by the current message
    assert len(pdf_files(settings)) == 1


def test_a_lost_job_past_its_attempts_ends_failed_with_a_message_and_its_batch_too(
    org, settings, django_capture_on_commit_callbacks
):
    scorecard = build_vendor_history(org)
    batch = jobs.pdf_batch_request(organization_id=org.pk, period=scorecard.period)
    job = Job.objects.get(parent=batch)
    for _ in range(3):
        Job.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED)
        assert jobs.job_start(job_id=job.pk, dispatch=1) is not None
    started_ago(job, LOST_AFTER + dt.timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert jobs.jobs_requeue_lost() == [job.pk]
    assert callbacks == []  # no fourth attempt
    failed = Job.objects.get(pk=job.pk)
    assert (failed.status, failed.attempts, failed.error) == (
        JobStatus.FAILED,
        3,
        "Gave up: the worker was lost during the last allowed attempt.",
    )
    batch.refresh_from_db()
    assert (batch.status, batch.error) == (
        JobStatus.FAILED,
        "1 of 1 scorecards failed: Northwind Billing: "
        "Gave up: the worker was lost during the last allowed attempt.",
    )
    assert pdf_files(settings) == []
    # asking again starts over, as for any failed job
    with django_capture_on_commit_callbacks(execute=True):
        again = jobs.pdf_job_request(scorecard=scorecard)
    again.refresh_from_db()  # the render ran on commit, after the request returned
    assert (again.status, again.attempts) == (JobStatus.DONE, 1)


def _settings_of(tmp_path: Path, env: dict[str, str], expression: str):
    import os

    base = {k: v for k, v in os.environ.items() if not k.startswith("CELERY_")}
    base.update({"DEBUG": "1", "VAR_DIR": str(tmp_path), **env})
    return subprocess.run(
        [sys.executable, "-c", f"from scorecard import settings as s; print({expression})"],
        cwd=django_settings.BASE_DIR,
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_redis_visibility_timeout_defaults_to_the_hard_limit_plus_the_margin(tmp_path):
    result = _settings_of(
        tmp_path,
        {"CELERY_BROKER_URL": "redis://127.0.0.1:6379/8"},
        "s.CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout']",
    )
    assert (result.returncode, result.stdout) == (0, "240\n")
    result = _settings_of(
        tmp_path,
        {
            "CELERY_BROKER_URL": "redis://127.0.0.1:6379/8",
            "CELERY_TASK_SOFT_TIME_LIMIT": "300",
            "CELERY_TASK_TIME_LIMIT": "600",
        },
        "s.CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout']",
    )
    assert (result.returncode, result.stdout) == (0, "660\n")


def test_a_visibility_timeout_shorter_than_the_hard_limit_refuses_to_start(tmp_path):
    result = _settings_of(
        tmp_path,
        {"CELERY_BROKER_URL": "redis://127.0.0.1:6379/8", "CELERY_VISIBILITY_TIMEOUT": "200"},
        "1",
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "django.core.exceptions.ImproperlyConfigured: CELERY_VISIBILITY_TIMEOUT (200 s) must be "
        "at least CELERY_TASK_TIME_LIMIT plus CELERY_TASK_LOST_MARGIN (180 + 60 = 240 s): a "
        "shorter one hands a task still running to a second worker."
    )


def test_the_sweep_leaves_alone_a_job_the_sweeping_worker_renders_itself(
    org, django_capture_on_commit_callbacks
):
    job = lost_mid_render(org)
    started_ago(job, LOST_AFTER + dt.timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert jobs.jobs_requeue_lost(rendering_here={job.pk}) == []
    assert callbacks == []
    assert Job.objects.values_list("status", "attempts").get(pk=job.pk) == (JobStatus.RUNNING, 1)
