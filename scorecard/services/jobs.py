"""Every write to background jobs: PDF render jobs, batches of them, and their lifecycle.

A job row owns one render; its unique key names what it produces, so asking again returns the
same job. State changes are guarded updates ("only if still in the old state") so a redelivered
task neither counts an attempt twice nor completes twice. Files are written under a temporary
name and renamed into place.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from scorecard.models import Job, JobStatus, Scorecard
from vendors.policy import PdfVariant

PDF_KIND = "scorecard_pdf"
BATCH_KIND = "scorecard_pdf_batch"
UNFINISHED = [JobStatus.QUEUED, JobStatus.RUNNING]
ERROR_MAX_CHARS = 4000
LOST_MESSAGE = "Gave up: the worker was lost during the last allowed attempt."


def scorecard_pdf_key(scorecard_id: int, variant: str = PdfVariant.FULL) -> str:
    """The key of a scorecard revision's PDF: a revision is immutable, so one file per revision
    and variant (the full one keeps the key it always had)."""
    suffix = "" if variant == PdfVariant.FULL else f":{variant}"
    return f"pdf:scorecard:{scorecard_id}{suffix}"


def batch_key(*, organization_id: int, period: str, vendor_id: int | None = None) -> str:
    """The key of a period's batch for one organization (and optionally one vendor)."""
    return f"pdf:batch:{organization_id}:{period}" + (f":vendor:{vendor_id}" if vendor_id else "")


def _queue_render(job_id: int) -> None:
    """Send a render message after commit, numbered: only the latest message of a job runs it."""
    from scorecard.tasks.pdf import render_scorecard_pdf

    Job.objects.filter(pk=job_id).update(dispatches=F("dispatches") + 1)
    dispatch = Job.objects.values_list("dispatches", flat=True).get(pk=job_id)
    transaction.on_commit(lambda: render_scorecard_pdf.delay(job_id, dispatch))


def lost_after_seconds() -> int:
    """Seconds after an attempt began past which a running job is presumed lost with its task:
    the hard time limit (no attempt lives longer) plus a margin."""
    return settings.CELERY_TASK_TIME_LIMIT + settings.CELERY_TASK_LOST_MARGIN


def _requeue_if_lost(job_id: int, *, now: dt.datetime) -> bool:
    """Queue a running job again when its attempt began past the hard time limit and margin
    (its worker died and the broker will not hand the task out again); one past its attempts
    fails instead. True when the job changed."""
    lost = Job.objects.filter(
        pk=job_id,
        kind=PDF_KIND,
        status=JobStatus.RUNNING,
        started_at__lt=now - dt.timedelta(seconds=lost_after_seconds()),
    )
    if lost.filter(attempts__gte=F("max_attempts")).update(
        status=JobStatus.FAILED, finished_at=now, error=LOST_MESSAGE
    ):
        _refresh_parent(job_id)
        return True
    if lost.filter(attempts__lt=F("max_attempts")).update(status=JobStatus.QUEUED, error=""):
        _queue_render(job_id)
        return True
    return False


@transaction.atomic
def jobs_requeue_lost(
    *, now: dt.datetime | None = None, rendering_here: Iterable[int] = ()
) -> list[int]:
    """The periodic sweep: every running render job presumed lost is queued again (or failed
    past its attempts); the ids of the jobs changed. ``rendering_here``: jobs the sweeping
    process is rendering itself (alive, however long they take), left alone."""
    now = now or timezone.now()
    candidates = (
        Job.objects.filter(
            kind=PDF_KIND,
            status=JobStatus.RUNNING,
            started_at__lt=now - dt.timedelta(seconds=lost_after_seconds()),
        )
        .exclude(pk__in=list(rendering_here))
        .values_list("pk", flat=True)
    )
    return [job_id for job_id in list(candidates) if _requeue_if_lost(job_id, now=now)]


def _get_or_create(key: str, defaults: dict[str, Any]) -> tuple[Job, bool]:
    """get_or_create on the unique key that survives a concurrent creator."""
    try:
        with transaction.atomic():
            return Job.objects.get_or_create(key=key, defaults=defaults)
    except IntegrityError:
        return Job.objects.get(key=key), False


@transaction.atomic
def pdf_job_request(
    *,
    scorecard: Scorecard,
    requested_by: Any = None,
    parent: Job | None = None,
    variant: str = PdfVariant.FULL,
) -> Job:
    """The render job of a scorecard revision and variant: created and queued once, returned ever
    after. The caller picks the variant with ``vendors.policy.pdf_variant``.

    A job that gave up is queued again (attempts start over); a done job is returned as it is.
    """
    if variant not in PdfVariant.values:
        raise ValueError(f"Unknown PDF variant {variant!r}; choose one of {PdfVariant.values}.")
    job, created = _get_or_create(
        scorecard_pdf_key(scorecard.pk, variant),
        {
            "organization_id": scorecard.organization_id,
            "kind": PDF_KIND,
            "variant": variant,
            "scorecard": scorecard,
            "period": scorecard.period,
            "parent": parent,
            "requested_by": requested_by if getattr(requested_by, "pk", None) else None,
        },
    )
    if created:
        _queue_render(job.pk)
        return job
    if parent is not None and job.parent_id is None:
        Job.objects.filter(pk=job.pk, parent__isnull=True).update(parent=parent)
    if job.status == JobStatus.RUNNING and _requeue_if_lost(job.pk, now=timezone.now()):
        job.refresh_from_db()
        return job
    again = Q(status=JobStatus.FAILED)
    if job.status == JobStatus.DONE and not (Path(settings.MEDIA_ROOT) / job.file).is_file():
        again |= Q(status=JobStatus.DONE)  # the file was removed from storage: render it again
    requeued = Job.objects.filter(again, pk=job.pk).update(
        status=JobStatus.QUEUED, attempts=0, error="", progress=0, done_count=0, finished_at=None
    )
    if requeued:
        _queue_render(job.pk)
    job.refresh_from_db()
    return job


@transaction.atomic
def pdf_batch_request(
    *, organization_id: int, period: str, vendor_id: int | None = None, requested_by: Any = None
) -> Job:
    """The batch job of a period's current scorecards (one organization, optionally one vendor).

    Each scorecard gets its own render job as a child; asking again returns the same batch and
    only queues what is new (a scorecard revised since) or failed. Progress = children done / total.
    """
    batch, _ = _get_or_create(
        batch_key(organization_id=organization_id, period=period, vendor_id=vendor_id),
        {
            "organization_id": organization_id,
            "kind": BATCH_KIND,
            "period": period,
            "total": 0,
            "requested_by": requested_by if getattr(requested_by, "pk", None) else None,
        },
    )
    scorecards = Scorecard.objects.filter(
        organization_id=organization_id, period=period, is_current=True
    )
    if vendor_id:
        scorecards = scorecards.filter(vendor_id=vendor_id)
    wanted = []
    for scorecard in scorecards.order_by("vendor__name"):
        child = pdf_job_request(scorecard=scorecard, requested_by=requested_by, parent=batch)
        wanted.append(child.pk)
    # A render job belongs to the batch that asked for it last: a scorecard revised since the
    # batch began leaves the old revision's job behind, and an overlapping batch (one vendor of
    # an organization's month) takes over the children it shares.
    moved_from = set(
        Job.objects.filter(pk__in=wanted)
        .exclude(parent=batch)
        .exclude(parent__isnull=True)
        .values_list("parent_id", flat=True)
    )
    Job.objects.filter(pk__in=wanted).update(parent=batch)
    Job.objects.filter(parent=batch).exclude(pk__in=wanted).update(parent=None)
    Job.objects.filter(pk=batch.pk).update(status=JobStatus.QUEUED, finished_at=None, error="")
    for parent_id in moved_from:
        job_batch_refresh(batch_id=parent_id)
    job_batch_refresh(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch


@transaction.atomic
def job_batch_refresh(*, batch_id: int) -> None:
    """Recount a batch from its children; it finishes when every child has finished."""
    # The row lock orders concurrent refreshes: each recounts after the previous one committed.
    batch = Job.objects.select_for_update().get(pk=batch_id)
    counts = Job.objects.filter(parent_id=batch_id).aggregate(
        total=Count("id"),
        done=Count("id", filter=Q(status=JobStatus.DONE)),
        failed=Count("id", filter=Q(status=JobStatus.FAILED)),
        running=Count("id", filter=Q(status=JobStatus.RUNNING)),
    )
    total, done, failed = counts["total"], counts["done"], counts["failed"]
    finished = done + failed == total
    if finished:
        status = JobStatus.FAILED if failed else JobStatus.DONE
    elif done or failed or counts["running"]:
        status = JobStatus.RUNNING
    else:
        status = JobStatus.QUEUED
    error = ""
    if failed:
        names = list(
            Job.objects.filter(parent_id=batch_id, status=JobStatus.FAILED)
            .select_related("scorecard__vendor")
            .values_list("scorecard__vendor__name", "error")[:5]
        )
        error = f"{failed} of {total} scorecards failed: " + "; ".join(
            f"{name}: {message.splitlines()[0] if message else 'unknown error'}"
            for name, message in names
        )
    now = timezone.now()
    Job.objects.filter(pk=batch.pk).update(
        total=total,
        done_count=done,
        progress=100 if total == 0 else done * 100 // total,
        status=status,
        error=error[:ERROR_MAX_CHARS],
        started_at=batch.started_at or (now if status != JobStatus.QUEUED else None),
        finished_at=now if finished else None,
    )


def job_start(*, job_id: int, dispatch: int | None = None) -> int | None:
    """Count a new attempt and mark the job running; None when there is nothing to run.

    Guarded: only a queued or running job (its worker lost) with attempts left starts; a job
    whose last allowed attempt died with its worker is marked failed instead. A message whose
    ``dispatch`` number is not the job's latest was superseded and does nothing.
    """
    now = timezone.now()
    mine = Job.objects.filter(pk=job_id, status__in=UNFINISHED)
    if dispatch is not None:
        mine = mine.filter(dispatches=dispatch)
    started = mine.filter(attempts__lt=F("max_attempts")).update(
        status=JobStatus.RUNNING, attempts=F("attempts") + 1, started_at=now, error=""
    )
    if started:
        return Job.objects.values_list("attempts", flat=True).get(pk=job_id)
    gave_up = mine.filter(attempts__gte=F("max_attempts")).update(
        status=JobStatus.FAILED, finished_at=now
    )
    if gave_up:
        Job.objects.filter(pk=job_id, error="").update(error=LOST_MESSAGE)
        _refresh_parent(job_id)
    return None


def _refresh_parent(job_id: int) -> None:
    parent_id = Job.objects.values_list("parent_id", flat=True).get(pk=job_id)
    if parent_id:
        job_batch_refresh(batch_id=parent_id)


def pdf_path(scorecard: Scorecard, variant: str = PdfVariant.FULL) -> str:
    """Where a scorecard revision's PDF of a variant lives, relative to MEDIA_ROOT."""
    suffix = "" if variant == PdfVariant.FULL else "-" + variant.replace("_", "-")
    return (
        f"scorecards/{scorecard.period}/"
        f"{scorecard.vendor.slug}-{scorecard.period}-r{scorecard.revision}-{scorecard.pk}"
        f"{suffix}.pdf"
    )


def _write_temporary(data: bytes, final: Path, job_id: int) -> Path:
    """Write the bytes under a temporary name beside the final file (same filesystem)."""
    tmp_dir = final.parent / ".tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f"job-{job_id}-", suffix=".pdf", dir=tmp_dir)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        os.unlink(name)  # a full disk leaves no partial file behind
        raise
    return Path(name)


def job_complete(*, job_id: int, attempt: int, data: bytes, relative_path: str) -> bool:
    """Store the rendered file and mark the job done, once: False when another run won."""
    final = Path(settings.MEDIA_ROOT) / relative_path
    tmp = _write_temporary(data, final, job_id)
    digest = hashlib.sha256(data).hexdigest()
    try:
        with transaction.atomic():
            # Lock the row: of two runs of one job (a redelivery beside a slow worker), only the
            # one holding the current attempt renames its file into place and completes.
            current = (
                Job.objects.select_for_update()
                .filter(pk=job_id, status=JobStatus.RUNNING, attempts=attempt)
                .exists()
            )
            if not current:
                return False
            os.replace(tmp, final)  # atomic on one filesystem
            Job.objects.filter(pk=job_id).update(
                status=JobStatus.DONE,
                progress=100,
                done_count=1,
                file=relative_path,
                sha256=digest,
                error="",
                finished_at=timezone.now(),
            )
    finally:
        tmp.unlink(missing_ok=True)
    _refresh_parent(job_id)
    return True


def job_fail(*, job_id: int, attempt: int, error: str) -> bool:
    """Record a failed attempt; True when attempts are left (queued again), False on giving up."""
    row = Job.objects.filter(pk=job_id).values("max_attempts").first()
    if row is None:
        return False
    final = attempt >= row["max_attempts"]
    updated = Job.objects.filter(pk=job_id, status=JobStatus.RUNNING, attempts=attempt).update(
        status=JobStatus.FAILED if final else JobStatus.QUEUED,
        error=error[:ERROR_MAX_CHARS],
        finished_at=timezone.now() if final else None,
    )
    if updated and final:
        _refresh_parent(job_id)
    return bool(updated) and not final


def job_run_scorecard_pdf(*, job_id: int, dispatch: int | None = None) -> Job | None:
    """Render a PDF job's scorecard if the job still needs it: one attempt, guarded.

    Raises the rendering error after recording it, so the task can retry; returns the job, or
    None when nothing was left to do (already done, failed, or someone else's attempt).
    """
    from scorecard.pdf.render import scorecard_pdf  # heavy imports only where rendering happens

    attempt = job_start(job_id=job_id, dispatch=dispatch)
    if attempt is None:
        return None
    job = Job.objects.select_related("scorecard__vendor").get(pk=job_id)
    scorecard = job.scorecard
    try:
        if scorecard is None:
            raise ValueError(f"Job {job_id} ({job.kind}) has no scorecard to render.")
        data = scorecard_pdf(scorecard.pk, with_money=job.variant == PdfVariant.FULL)
        job_complete(
            job_id=job_id,
            attempt=attempt,
            data=data,
            relative_path=pdf_path(scorecard, job.variant),
        )
    except Exception as exc:
        exc.job_attempts_left = job_fail(  # type: ignore[attr-defined]
            job_id=job_id, attempt=attempt, error=f"{type(exc).__name__}: {exc}"
        )
        raise
    job.refresh_from_db()
    return job


def batches_queue_if_due(*, today: Any) -> list[int]:
    """On the batch business day, queue last month's batch for every organization; else nothing.

    The business day is counted with each organization's own holidays. Idempotent: the batch
    key makes a second run the same day return the same batches.
    """
    from vendors import periods as business_days
    from vendors.selectors import holidays_by_organization

    period = business_days.previous_period(business_days.period_of(today))
    organization_ids = list(
        Scorecard.objects.filter(period=period, is_current=True)
        .values_list("organization_id", flat=True)
        .distinct()
        .order_by("organization_id")
    )
    holidays = holidays_by_organization(organization_ids=organization_ids)
    return [
        pdf_batch_request(organization_id=org_id, period=period).pk
        for org_id in organization_ids
        if today
        == business_days.nth_business_day(
            today.year, today.month, settings.SCORECARD_PDF_BATCH_BUSINESS_DAY, holidays[org_id]
        )
    ]
