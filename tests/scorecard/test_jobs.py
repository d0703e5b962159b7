"""PDF jobs with tasks run eagerly (CELERY_TASK_ALWAYS_EAGER): keys, guards, batches, the API."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest

from scorecard.models import Job, JobStatus, Scorecard
from scorecard.services import jobs
from scorecard.tasks.pdf import queue_monthly_batches, render_scorecard_pdf
from tests.conftest import client_for
from tests.factories import ContractFactory, VendorFactory, make_scorecard, member
from tests.scorecard.pdf_fixtures import LAST, PERIOD, build_vendor_history
from vendors.models import Role
from vendors.services import holidays

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_rescoring(settings):
    """These tests build scorecards directly (make_scorecard), not by evaluation: the contracts
    they create queue no re-scoring, which would issue scorecards of its own on commit."""
    settings.RESCORE_TASK = ""


def media(settings) -> Path:
    return Path(settings.MEDIA_ROOT)


def pdf_files(settings) -> list[Path]:
    return sorted(media(settings).rglob("*.pdf"))


def test_same_request_twice_gives_one_job_and_one_file(
    org, settings, django_capture_on_commit_callbacks
):
    scorecard = build_vendor_history(org)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = jobs.pdf_job_request(scorecard=scorecard)
    assert len(callbacks) == 1  # queued on commit, once
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = jobs.pdf_job_request(scorecard=scorecard)
    assert callbacks == []  # nothing queued the second time
    assert again.pk == first.pk
    job = Job.objects.get(pk=first.pk)
    assert job.key == f"pdf:scorecard:{scorecard.pk}"
    assert (job.status, job.attempts, job.progress) == (JobStatus.DONE, 1, 100)
    files = pdf_files(settings)
    assert [f.relative_to(media(settings)).as_posix() for f in files] == [job.file]
    assert job.file == f"scorecards/{PERIOD}/{scorecard.vendor.slug}-{PERIOD}-r1-{scorecard.pk}.pdf"
    assert hashlib.sha256(files[0].read_bytes()).hexdigest() == job.sha256
    assert not list((media(settings) / "scorecards" / PERIOD / ".tmp").iterdir())


def test_redelivered_task_of_a_done_job_does_not_render_again(
    org, settings, django_capture_on_commit_callbacks
):
    scorecard = build_vendor_history(org)
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.pdf_job_request(scorecard=scorecard)
    path = media(settings) / Job.objects.get(pk=job.pk).file
    before = (path.stat().st_mtime_ns, path.read_bytes())
    render_scorecard_pdf.delay(job.pk)  # the broker hands the same message out again
    after = Job.objects.get(pk=job.pk)
    assert (after.status, after.attempts) == (JobStatus.DONE, 1)
    assert (path.stat().st_mtime_ns, path.read_bytes()) == before


def test_only_the_current_attempt_completes(org, settings):
    scorecard = build_vendor_history(org)
    job = Job.objects.create(
        organization=org, kind=jobs.PDF_KIND, key="k", scorecard=scorecard, period=PERIOD
    )
    assert jobs.job_start(job_id=job.pk) == 1
    # the worker of attempt 1 is presumed lost and the message redelivered: attempt 2 starts
    assert jobs.job_start(job_id=job.pk) == 2
    assert not jobs.job_complete(job_id=job.pk, attempt=1, data=b"%PDF-old", relative_path="a.pdf")
    assert jobs.job_complete(job_id=job.pk, attempt=2, data=b"%PDF-new", relative_path="a.pdf")
    job.refresh_from_db()
    assert (job.status, job.attempts, job.sha256) == (
        JobStatus.DONE,
        2,
        hashlib.sha256(b"%PDF-new").hexdigest(),
    )
    assert (media(settings) / "a.pdf").read_bytes() == b"%PDF-new"
    assert not list((media(settings) / ".tmp").iterdir())
    assert jobs.job_start(job_id=job.pk) is None  # done: nothing more to run


def test_a_lost_last_attempt_gives_up(org):
    scorecard = build_vendor_history(org)
    job = Job.objects.create(
        organization=org,
        kind=jobs.PDF_KIND,
        key="k",
        scorecard=scorecard,
        attempts=3,
        status=JobStatus.RUNNING,
    )
    assert jobs.job_start(job_id=job.pk) is None
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == "Gave up: the worker was lost during the last allowed attempt."


def test_a_failing_render_stops_after_three_attempts_with_its_error(
    org, settings, django_capture_on_commit_callbacks
):
    settings.SCORECARD_PDF_TEMPLATE = "scorecard/pdf/does-not-exist.html"
    scorecard = build_vendor_history(org)
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.pdf_job_request(scorecard=scorecard)
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.FAILED, 3)
    assert job.error == "TemplateDoesNotExist: scorecard/pdf/does-not-exist.html"
    assert pdf_files(settings) == []
    # asking again after fixing the cause starts over
    settings.SCORECARD_PDF_TEMPLATE = "scorecard/pdf/scorecard.html"
    with django_capture_on_commit_callbacks(execute=True):
        jobs.pdf_job_request(scorecard=scorecard)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.error) == (JobStatus.DONE, 1, "")


def _two_vendors(org):
    first = build_vendor_history(org)
    other = ContractFactory(vendor=VendorFactory(organization=org, name="Summit RCM"))
    second = make_scorecard(other, PERIOD, LAST)
    return first, second


def test_batch_has_a_child_per_current_scorecard_and_is_idempotent(
    org, other_org, settings, django_capture_on_commit_callbacks
):
    first, second = _two_vendors(org)
    build_vendor_history(other_org, name="Elsewhere Billing")  # another organization: not in it
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        batch = jobs.pdf_batch_request(organization_id=org.pk, period=PERIOD)
    assert len(callbacks) == 2
    batch.refresh_from_db()
    assert batch.key == f"pdf:batch:{org.pk}:{PERIOD}"
    assert (batch.kind, batch.status, batch.total, batch.done_count, batch.progress) == (
        jobs.BATCH_KIND,
        JobStatus.DONE,
        2,
        2,
        100,
    )
    children = Job.objects.filter(parent=batch)
    assert {c.scorecard_id for c in children} == {first.pk, second.pk}
    assert len(pdf_files(settings)) == 2
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = jobs.pdf_batch_request(organization_id=org.pk, period=PERIOD)
    assert callbacks == [] and again.pk == batch.pk
    assert len(pdf_files(settings)) == 2
    # a new revision of one scorecard: the batch takes it in and renders only that one
    Scorecard.objects.filter(pk=second.pk).update(is_current=False)
    revised = make_scorecard(second.contract, PERIOD, LAST, revision=2)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = jobs.pdf_batch_request(organization_id=org.pk, period=PERIOD)
    assert len(callbacks) == 1
    assert {c.scorecard_id for c in Job.objects.filter(parent=batch)} == {first.pk, revised.pk}
    again.refresh_from_db()
    assert (again.status, again.total, again.done_count) == (JobStatus.DONE, 2, 2)
    assert len(pdf_files(settings)) == 3  # revision 1's file is kept


def test_batch_progress_counts_children_done(org):
    _two_vendors(org)
    batch = jobs.pdf_batch_request(organization_id=org.pk, period=PERIOD)  # not committed: queued
    assert (batch.status, batch.total, batch.done_count, batch.progress) == (
        JobStatus.QUEUED,
        2,
        0,
        0,
    )
    child = Job.objects.filter(parent=batch).first()
    attempt = jobs.job_start(job_id=child.pk)
    jobs.job_complete(job_id=child.pk, attempt=attempt, data=b"%PDF", relative_path="x.pdf")
    batch.refresh_from_db()
    assert (batch.status, batch.done_count, batch.progress) == (JobStatus.RUNNING, 1, 50)


def test_vendor_batch(org, django_capture_on_commit_callbacks):
    first, _ = _two_vendors(org)
    with django_capture_on_commit_callbacks(execute=True):
        batch = jobs.pdf_batch_request(
            organization_id=org.pk, period=PERIOD, vendor_id=first.vendor_id
        )
    batch.refresh_from_db()
    assert batch.key == f"pdf:batch:{org.pk}:{PERIOD}:vendor:{first.vendor_id}"
    assert (batch.total, batch.done_count, batch.status) == (1, 1, JobStatus.DONE)


@pytest.mark.parametrize(
    ("today", "queued"),
    [
        # November 2026: business day 11 is Monday 16th; with a holiday on the 11th, Tuesday 17th
        ("2026-11-13", False),
        ("2026-11-16", True),
        ("2026-11-17", False),
    ],
)
def test_beat_task_queues_last_months_batch_on_business_day_11(
    org, settings, django_capture_on_commit_callbacks, today, queued
):
    build_vendor_history(org)
    with django_capture_on_commit_callbacks(execute=True):
        ids = queue_monthly_batches.delay(today).get()
    assert bool(ids) is queued
    if queued:
        batch = Job.objects.get(pk=ids[0])
        assert (batch.period, batch.status, batch.total) == ("2026-10", JobStatus.DONE, 1)
        assert queue_monthly_batches.delay(today).get() == ids  # idempotent via the key


def test_beat_task_skips_each_organizations_own_holidays(org, other_org):
    holidays.holidays_set(organization=org, dates=["2026-11-11"])
    build_vendor_history(org)
    build_vendor_history(other_org)  # no holiday: business day 11 is the 16th
    on_16th = queue_monthly_batches.delay("2026-11-16").get()
    assert [Job.objects.get(pk=pk).organization_id for pk in on_16th] == [other_org.pk]
    on_17th = queue_monthly_batches.delay("2026-11-17").get()
    assert [Job.objects.get(pk=pk).organization_id for pk in on_17th] == [org.pk]


def test_beat_schedule_is_in_settings(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["scorecard-monthly-pdfs"]
    assert entry["task"] == queue_monthly_batches.name


# --- API -------------------------------------------------------------------------------------
def test_api_post_queues_then_get_streams_the_pdf(
    org, admin_user, settings, django_capture_on_commit_callbacks
):
    scorecard = build_vendor_history(org)
    viewer = client_for(member(org, Role.VIEWER))  # any member may ask for a PDF
    url = f"/api/v1/scorecards/{scorecard.pk}/pdf/"
    response = viewer.get(url)
    assert response.status_code == 404
    assert response.json()["detail"].startswith("No PDF has been requested for this scorecard")
    with django_capture_on_commit_callbacks() as queued:  # the task is sent on commit
        response = viewer.post(url)
    assert response.status_code == 202 and len(queued) == 1
    body = response.json()
    assert (body["status"], body["attempts"], body["progress"], body["file"]) == (
        "queued",
        0,
        0,
        None,
    )
    response = viewer.get(url)
    assert response.status_code == 409
    assert "not ready yet" in response.json()["detail"]
    queued[0]()  # the worker runs it
    with django_capture_on_commit_callbacks() as queued_again:
        again = viewer.post(url)
    assert again.status_code == 202 and again.json()["id"] == body["id"]
    assert queued_again == []
    job_json = viewer.get(f"/api/v1/jobs/{body['id']}/").json()
    job = Job.objects.get(pk=body["id"])
    assert job_json["status"] == "done" and job_json["progress"] == 100
    assert job_json["attempts"] == 1 and job_json["error"] == ""
    assert job_json["kind"] == "scorecard_pdf" and job_json["sha256"] == job.sha256
    assert job_json["file"] == f"http://testserver{url}"
    response = viewer.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    data = b"".join(response.streaming_content)
    assert data.startswith(b"%PDF-")
    assert hashlib.sha256(data).hexdigest() == job.sha256 == response["X-Content-SHA256"]


def test_api_reports_a_failed_render(org, api, settings, django_capture_on_commit_callbacks):
    settings.SCORECARD_PDF_TEMPLATE = "scorecard/pdf/missing.html"
    scorecard = build_vendor_history(org)
    url = f"/api/v1/scorecards/{scorecard.pk}/pdf/"
    with django_capture_on_commit_callbacks(execute=True):
        job_id = api.post(url).json()["id"]
    job_json = api.get(f"/api/v1/jobs/{job_id}/").json()
    assert (job_json["status"], job_json["attempts"]) == ("failed", 3)
    assert job_json["error"] == "TemplateDoesNotExist: scorecard/pdf/missing.html"
    response = api.get(url)
    assert response.status_code == 409
    assert response.json()["detail"].startswith("Rendering failed after 3 attempts")


def test_api_other_organization_gets_404(org, other_org, django_capture_on_commit_callbacks):
    scorecard = build_vendor_history(org)
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.pdf_job_request(scorecard=scorecard)
    outsider = client_for(member(other_org, Role.ADMIN))
    url = f"/api/v1/scorecards/{scorecard.pk}/pdf/"
    assert outsider.post(url).status_code == 404
    assert outsider.get(url).status_code == 404
    assert outsider.get(f"/api/v1/jobs/{job.pk}/").status_code == 404
    assert Job.objects.count() == 1


def test_api_needs_authentication(org):
    from rest_framework.test import APIClient

    scorecard = build_vendor_history(org)
    response = APIClient().post(f"/api/v1/scorecards/{scorecard.pk}/pdf/")
    assert response.status_code in (401, 403)
    assert not Job.objects.exists()


def test_date_fixture_sanity():
    assert dt.date(2026, 11, 16).weekday() == 0


# --- render_scorecards -----------------------------------------------------------------------
# The command commits its batch, so these tests commit too (tasks then run eagerly on commit).
committing = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@committing
def test_render_scorecards_command_copies_the_files(org, settings, tmp_path):
    import io

    from django.core.management import call_command

    _two_vendors(org)
    out = io.StringIO()
    call_command(
        "render_scorecards", period=PERIOD, out=str(tmp_path / "out"), stdout=out, timeout=120
    )
    text = out.getvalue()
    assert "[##############################] 2/2 100 %\n" in text  # not a TTY: whole lines
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert len(names) == 2
    assert names[0].startswith(f"northwind-billing-{PERIOD}-r1-")
    assert names[1].startswith(f"summit-rcm-{PERIOD}-r1-")
    for job in Job.objects.filter(kind=jobs.PDF_KIND):
        copied = (tmp_path / "out" / Path(job.file).name).read_bytes()
        assert hashlib.sha256(copied).hexdigest() == job.sha256
    assert f"2 PDF scorecards for {PERIOD}." in text


@committing
def test_render_scorecards_lists_one_vendors_file(org, settings):
    import io

    from django.core.management import call_command

    _two_vendors(org)
    out = io.StringIO()
    call_command("render_scorecards", period=PERIOD, vendor="summit-rcm", stdout=out, timeout=120)
    job = Job.objects.get(kind=jobs.PDF_KIND)
    assert f"{Path(settings.MEDIA_ROOT) / job.file}  sha256 {job.sha256}" in out.getvalue()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"period": "2026-13"}, "--period must be written YYYY-MM; got '2026-13'."),
        (
            {"period": "2024-09"},
            "No current scorecards for 2024-09; run `manage.py evaluate` first.",
        ),
        ({"period": PERIOD, "vendor": "nobody"}, "No vendor with slug 'nobody'."),
    ],
)
def test_render_scorecards_refuses_bad_input(org, options, message):
    from django.core.management import CommandError, call_command

    build_vendor_history(org)
    with pytest.raises(CommandError) as raised:
        call_command("render_scorecards", **options, timeout=5)
    assert str(raised.value) == message


@committing
def test_render_scorecards_fails_when_a_render_fails(org, settings):
    import io

    from django.core.management import CommandError, call_command

    settings.SCORECARD_PDF_TEMPLATE = "scorecard/pdf/missing.html"
    build_vendor_history(org)
    err = io.StringIO()
    with pytest.raises(CommandError, match=r"^1 of 1 scorecards failed to render\.$"):
        call_command(
            "render_scorecards", period=PERIOD, stdout=io.StringIO(), stderr=err, timeout=120
        )
    expected = "FAILED Northwind Billing 2026-10 after 3 attempts: TemplateDoesNotExist"
    assert expected in err.getvalue()


def test_progress_bar():
    from scorecard.embedded_worker import progress_bar

    assert progress_bar(1, 4, width=8) == "[##......] 1/4  25 %"
    assert progress_bar(0, 0, width=4) == "[####] 0/0 100 %"
