"""Jobs API: queue a scorecard's PDF, download it once rendered, and follow any job."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from scorecard.models import Job, JobStatus, Scorecard
from scorecard.services import jobs as job_services
from vendors import policy
from vendors.policy import PdfVariant
from vendors.selectors import role_in, scope_for_user

JOB_SCHEMA = inline_serializer(
    "Job",
    {
        "id": serializers.IntegerField(),
        "kind": serializers.CharField(),
        "variant": serializers.ChoiceField(
            PdfVariant.choices, help_text="PDF with the money section (full) or without it."
        ),
        "status": serializers.ChoiceField(JobStatus.choices),
        "progress": serializers.IntegerField(help_text="Percent done, 0 to 100."),
        "attempts": serializers.IntegerField(),
        "max_attempts": serializers.IntegerField(),
        "error": serializers.CharField(),
        "scorecard": serializers.IntegerField(allow_null=True),
        "period": serializers.CharField(),
        "parent": serializers.IntegerField(allow_null=True),
        "total": serializers.IntegerField(),
        "done_count": serializers.IntegerField(),
        "file": serializers.CharField(allow_null=True, help_text="Download URL once done."),
        "sha256": serializers.CharField(),
        "created_at": serializers.DateTimeField(),
        "started_at": serializers.DateTimeField(allow_null=True),
        "finished_at": serializers.DateTimeField(allow_null=True),
    },
)


def job_payload(job: Job, request: Request | None = None) -> dict[str, Any]:
    """A job as the API shows it; ``file`` is the authenticated download URL once done."""
    file_url = None
    if job.status == JobStatus.DONE and job.kind == job_services.PDF_KIND and job.scorecard_id:
        file_url = reverse("api-scorecard-pdf", kwargs={"pk": job.scorecard_id})
        if request is not None:
            file_url = request.build_absolute_uri(file_url)
    return {
        "id": job.pk,
        "kind": job.kind,
        "variant": job.variant,
        "status": job.status,
        "progress": job.progress,
        "attempts": job.attempts,
        "max_attempts": job.max_attempts,
        "error": job.error,
        "scorecard": job.scorecard_id,
        "period": job.period,
        "parent": job.parent_id,
        "total": job.total,
        "done_count": job.done_count,
        "file": file_url,
        "sha256": job.sha256,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }


class ScorecardPDFView(APIView):
    """POST queues the PDF of a scorecard revision (202 + job); GET streams it once rendered."""

    def _scorecard(self, request: Request, pk: int) -> Scorecard:
        return get_object_or_404(
            scope_for_user(Scorecard.objects.select_related("vendor"), request.user), pk=pk
        )

    def _variant(self, request: Request, scorecard: Scorecard) -> str:
        return policy.pdf_variant(role_in(request.user, scorecard.organization_id))

    @extend_schema(request=None, responses={202: JOB_SCHEMA})
    def post(self, request: Request, pk: int) -> Response:
        """Queue the render (any member may) of the variant the role receives (without money
        unless it may see money); asking again returns the same job."""
        scorecard = self._scorecard(request, pk)
        job = job_services.pdf_job_request(
            scorecard=scorecard,
            requested_by=request.user,
            variant=self._variant(request, scorecard),
        )
        return Response(job_payload(job, request), status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request: Request, pk: int) -> Any:
        """The PDF file of the role's variant; 404 before it was asked for, 409 while rendering
        or after giving up."""
        scorecard = self._scorecard(request, pk)
        key = job_services.scorecard_pdf_key(scorecard.pk, self._variant(request, scorecard))
        job = Job.objects.filter(key=key).first()
        if job is None:
            return Response(
                {
                    "detail": "No PDF has been requested for this scorecard yet; POST to this URL "
                    "to render it."
                },
                status=status.HTTP_404_NOT_FOUND,
            )
        if job.status != JobStatus.DONE:
            if job.status == JobStatus.FAILED:
                detail = (
                    f"Rendering failed after {job.attempts} attempts: {job.error} "
                    "POST to this URL to try again."
                )
            else:
                detail = (
                    f"The PDF is not ready yet (job {job.pk} is {job.status}, "
                    f"{job.progress} % done); follow it at /api/v1/jobs/{job.pk}/."
                )
            return Response(
                {"detail": detail, "job": job_payload(job, request)},
                status=status.HTTP_409_CONFLICT,
            )
        path = Path(settings.MEDIA_ROOT) / job.file
        if not path.is_file():
            return Response(
                {
                    "detail": "The rendered file is missing from storage; POST to this URL to "
                    "render it again."
                },
                status=status.HTTP_404_NOT_FOUND,
            )
        response = FileResponse(
            path.open("rb"),
            content_type="application/pdf",
            as_attachment=False,
            filename=Path(job.file).name,
        )
        response["X-Content-SHA256"] = job.sha256
        return response


class JobView(APIView):
    """One job of the user's organizations: status, progress, attempts, error."""

    @extend_schema(responses={200: JOB_SCHEMA})
    def get(self, request: Request, pk: int) -> Response:
        """The job (404 for another organization's)."""
        job = get_object_or_404(scope_for_user(Job.objects.all(), request.user), pk=pk)
        return Response(job_payload(job, request))
