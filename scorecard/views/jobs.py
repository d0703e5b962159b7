"""PDF buttons: queue a render job, show its progress (htmx polling), then the download."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from scorecard import page_selectors as reads
from scorecard.models import Job, JobStatus, Scorecard
from scorecard.services import jobs as job_services
from vendors import policy

from .base import get_scoped, page, render_page


def _refuse_other_variant(request: HttpRequest, job: Job) -> None:
    """A scorecard PDF with money is not shown to a role that does not see money (403)."""
    if job.kind == job_services.PDF_KIND and not policy.may_have_pdf(
        request.seat.role,  # type: ignore[attr-defined]
        job.variant,
    ):
        raise PermissionDenied(
            "This PDF holds fees and credits, which your role does not see; "
            "make the scorecard's PDF from the vendor page to get the one without money."
        )


@require_POST
@page()
def pdf_request(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue (or reuse) the PDF job of one scorecard, in the variant the role receives, and
    answer with its progress."""
    card = get_scoped(request, Scorecard.objects.all(), pk=pk)
    job = job_services.pdf_job_request(
        scorecard=card,
        requested_by=request.user,
        variant=policy.pdf_variant(request.seat.role),  # type: ignore[attr-defined]
    )
    if not request.htmx:  # type: ignore[attr-defined]
        return redirect("job-status", pk=job.pk)
    return render_page(request, "scorecard/_job.html", {"job": job, "card": card})


@page()
def job_status(request: HttpRequest, pk: int) -> HttpResponse:
    """A job's progress: a fragment polled by htmx, or a small page without JavaScript."""
    job = get_scoped(request, reads.jobs_with_scorecard(), pk=pk)
    _refuse_other_variant(request, job)
    template = "scorecard/_job.html" if request.htmx else "scorecard/job_page.html"  # type: ignore[attr-defined]
    return render_page(request, template, {"job": job, "card": job.scorecard})


@page()
def job_download(request: HttpRequest, pk: int) -> FileResponse:
    """The rendered file of a finished job."""
    job = get_scoped(request, reads.jobs_with_scorecard(), pk=pk)
    _refuse_other_variant(request, job)
    if job.status != JobStatus.DONE or not job.file:
        raise Http404("The file is not ready.")
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / job.file).resolve()
    if root not in path.parents or not path.is_file():
        raise Http404("The file is missing.")
    card = job.scorecard
    name = f"scorecard-{card.vendor.slug}-{card.period}.pdf" if card else path.name
    return FileResponse(path.open("rb"), as_attachment=True, filename=name)
