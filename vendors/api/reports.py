"""API of vendor reports (upload, list, retrieve) and of vendors' column aliases."""

from __future__ import annotations

from typing import Any

import django_filters
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response

from vendors import policy, selectors
from vendors.ingest.errors import FileError, FileRefused
from vendors.models import ColumnAlias, Report, Role
from vendors.services import aliases as alias_services
from vendors.services.reports import IngestResult, report_ingest

from . import params
from .permissions import RoleWritePermission, organization_for_write
from .views import as_drf_error

UPLOAD_ROLES = policy.roles_with(policy.Capability.UPLOAD)


class ReportValueSerializer(serializers.Serializer):
    """One KPI or raw field: stated by the vendor, recomputed by us, and the value evaluated."""

    field = serializers.CharField()
    kpi = serializers.CharField(source="kpi.code", allow_null=True, default=None)
    stated_value = serializers.DecimalField(max_digits=24, decimal_places=6, allow_null=True)
    recomputed_value = serializers.DecimalField(max_digits=24, decimal_places=6, allow_null=True)
    value = serializers.DecimalField(max_digits=24, decimal_places=6, allow_null=True)
    insufficient_data = serializers.BooleanField()
    volume = serializers.DecimalField(max_digits=24, decimal_places=6, allow_null=True)


class ReportFindingSerializer(serializers.Serializer):
    """Something that does not add up in a report."""

    code = serializers.CharField()
    field = serializers.CharField()
    message = serializers.CharField()
    stated = serializers.DecimalField(max_digits=24, decimal_places=6, allow_null=True)
    expected = serializers.DecimalField(max_digits=24, decimal_places=6, allow_null=True)


class DenialSerializer(serializers.Serializer):
    """A line of the denial breakdown."""

    payer = serializers.CharField()
    denial_reason = serializers.CharField()
    claims_denied = serializers.IntegerField()
    amount_denied = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)


class SubmitterSerializer(serializers.Serializer):
    """Who submitted a report: the login and its role in the report's organization (None once
    no longer a member)."""

    username = serializers.CharField(read_only=True)
    role = serializers.ChoiceField(choices=Role.choices, read_only=True, allow_null=True)


class ReportSerializer(serializers.ModelSerializer):
    """A report version with its file's SHA-256, values, findings and denial breakdown."""

    organization: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    vendor_slug = serializers.CharField(source="vendor.slug", read_only=True)
    file_name = serializers.CharField(source="upload.file_name", read_only=True)
    sha256 = serializers.CharField(source="upload.sha256", read_only=True)
    source = serializers.CharField(source="upload.source", read_only=True)  # type: ignore[assignment]
    values = ReportValueSerializer(many=True, read_only=True)
    findings = ReportFindingSerializer(many=True, read_only=True)
    denials = DenialSerializer(many=True, read_only=True)
    submitted_by = serializers.SerializerMethodField()

    @extend_schema_field(SubmitterSerializer(allow_null=True))
    def get_submitted_by(self, report: Report) -> dict[str, Any] | None:
        user = report.upload.uploaded_by
        if user is None:  # received by the command line or the nightly import
            return None
        role = getattr(report, "submitted_role", None)
        return {"username": user.get_username(), "role": role}

    class Meta:
        model = Report
        fields = [
            "id",
            "organization",
            "vendor",
            "vendor_slug",
            "period",
            "version",
            "is_current",
            "received_at",
            "superseded_at",
            "file_name",
            "sha256",
            "source",
            "submitted_by",
            "values",
            "findings",
            "denials",
        ]


class ReportUploadSerializer(serializers.Serializer):
    """A report file for a vendor (or, ``multi_vendor``, for the vendors its vendor column names);
    ``period`` when the file has no period column."""

    vendor = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="The id of the vendor the upload is for (optional for a multi-vendor upload).",
    )
    multi_vendor = serializers.BooleanField(
        required=False,
        default=False,
        help_text="The file's vendor column names each row's vendor (vendors of one organization).",
    )
    organization = serializers.SlugField(
        required=False,
        allow_blank=True,
        help_text="Multi-vendor upload without a vendor: the organization, when you belong to "
        "several.",
    )
    file = serializers.FileField()
    period = serializers.CharField(required=False, allow_blank=True, help_text="YYYY-MM")
    sheet = serializers.CharField(required=False, allow_blank=True, help_text="XLSX sheet name.")
    decimal_mark = serializers.ChoiceField(
        choices=[".", ","],
        required=False,
        allow_blank=True,
        help_text="How the file writes decimals ('.' or ','); overrides the vendor's setting.",
    )


ERRORS_SCHEMA = inline_serializer(
    "ReportRefused",
    {
        "errors": inline_serializer(
            "ReportError",
            {
                "row": serializers.IntegerField(allow_null=True),
                "column": serializers.CharField(allow_null=True),
                "message": serializers.CharField(),
            },
            many=True,
        ),
        # Present when the file itself was read and refused (not for a missing field).
        "error_count": serializers.IntegerField(
            required=False, help_text="Every error found in the file, listed or not."
        ),
        "more_errors": serializers.CharField(
            required=False,
            help_text="'and 189,800 more errors' when only the first ones are listed.",
        ),
    },
)


# What an upload answers: 201 with the stored versions, or 200 when the same file came before.
STORED_SCHEMA = inline_serializer(
    "ReportStored",
    {
        "duplicate": serializers.BooleanField(),
        "message": serializers.CharField(),
        "upload": inline_serializer(
            "ReportUploadReceived",
            {
                "id": serializers.IntegerField(),
                "file_name": serializers.CharField(),
                "sha256": serializers.CharField(),
                "received_at": serializers.DateTimeField(),
            },
        ),
        "reports": ReportSerializer(many=True),
    },
)


class ReportFilter(django_filters.FilterSet):
    """Filters of the report list."""

    vendor = params.VendorRefFilter()
    vendor_slug = params.SlugFilter(field_name="vendor__slug")
    period = params.PeriodFilter()
    is_current = params.StrictBooleanFilter()

    class Meta:
        model = Report
        fields = ["vendor", "vendor_slug", "period", "is_current"]


class ColumnAliasFilter(django_filters.FilterSet):
    """Filters of the column aliases."""

    vendor = params.VendorRefFilter()
    vendor_slug = params.SlugFilter(field_name="vendor__slug")
    target = django_filters.CharFilter(max_length=80)

    class Meta:
        model = ColumnAlias
        fields = ["vendor", "vendor_slug", "target"]


NO_VENDOR = FileError(
    None,
    "vendor",
    "Name the vendor this upload is for, or set multi_vendor for a file whose vendor column "
    "names each row's vendor.",
)


def _given(data: Any, name: str) -> bool:
    """Whether the request sent a non-empty field ``name``."""
    return bool(data.get(name))


def _flag(data: Any) -> bool:
    """The multi_vendor flag as sent (before validation), read as DRF's BooleanField reads it."""
    return str(data.get("multi_vendor", "")).lower() in {"true", "1", "yes", "on"}


def _refusal(
    errors: list[FileError], findings: list[FileError] | None = None, refused: Any = None
) -> Response:
    body: dict[str, Any] = {"errors": [e.as_dict() for e in errors]}
    if refused is not None:  # a capped list: the first errors, and a count of the rest
        body["error_count"] = refused.error_count
        body["more_errors"] = refused.more_errors_text()
    if findings:
        body["findings"] = [f.as_dict() for f in findings]  # what would also have been flagged
        if refused is not None and refused.more_findings:
            body["more_findings"] = refused.more_findings_text()
    return Response(body, status=status.HTTP_400_BAD_REQUEST)


class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Vendor KPI reports: every version, current or superseded, of the user's organizations."""

    serializer_class = ReportSerializer
    filterset_class = ReportFilter
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet[Report]:
        return selectors.report_list(user=self.request.user).order_by(
            "vendor__name", "-period", "-version"
        )

    @extend_schema(
        request={"multipart/form-data": ReportUploadSerializer},
        responses={201: STORED_SCHEMA, 200: STORED_SCHEMA, 400: ERRORS_SCHEMA},
    )
    def create(self, request: Request) -> Response:
        """Upload a CSV or XLSX report: 201 with what was stored, or 400 with every error."""
        payload = ReportUploadSerializer(data=request.data)
        if not payload.is_valid():
            errors = [
                FileError(None, name, " ".join(str(m) for m in messages))
                for name, messages in payload.errors.items()
            ]
            named = {"vendor", "multi_vendor"} & set(payload.errors)
            if not named and not _flag(request.data) and not _given(request.data, "vendor"):
                errors.insert(0, NO_VENDOR)
            return _refusal(errors)
        data = payload.validated_data
        multi_vendor = data.get("multi_vendor", False)
        vendor = None
        if data.get("vendor") is not None:
            vendor = selectors.vendor_list(user=request.user).filter(pk=data["vendor"]).first()
            if vendor is None:
                return _refusal([FileError(None, "vendor", f"No vendor with id {data['vendor']}.")])
            organization = vendor.organization
        elif multi_vendor:
            try:
                organization = organization_for_write(
                    request, data.get("organization") or None, UPLOAD_ROLES
                )
            except ValidationError as exc:  # refused in the upload's own shape, by field
                detail = exc.detail if isinstance(exc.detail, dict) else {}
                return _refusal(
                    [
                        FileError(None, str(field), str(message))
                        for field, messages in detail.items()
                        for message in (messages if isinstance(messages, list) else [messages])
                    ]
                )
        else:
            return _refusal([NO_VENDOR])
        if selectors.role_in(request.user, organization.pk) not in UPLOAD_ROLES:
            raise PermissionDenied("Uploading reports needs the role admin, finance or compliance.")
        upload = data["file"]
        if upload.size > settings.REPORT_MAX_UPLOAD_BYTES:
            limit = settings.REPORT_MAX_UPLOAD_BYTES / (1024 * 1024)
            return _refusal(
                [FileError(None, None, f"The file is larger than the {limit:.0f} MB limit.")]
            )
        try:
            result = report_ingest(
                organization=organization,
                vendor=vendor,
                multi_vendor=multi_vendor,
                content=upload.read(),
                file_name=upload.name or "report",
                period=data.get("period") or None,
                sheet=data.get("sheet") or None,
                uploaded_by=request.user,
                decimal_mark=data.get("decimal_mark") or None,
            )
        except FileRefused as exc:
            return _refusal(exc.errors, exc.findings, exc)
        return self._answer(result)

    def _answer(self, result: IngestResult) -> Response:
        reports = self.get_queryset().filter(upload=result.upload)
        return Response(
            {
                "duplicate": result.duplicate,
                "message": result.summary(),
                "upload": {
                    "id": result.upload.pk,
                    "file_name": result.upload.file_name,
                    "sha256": result.upload.sha256,
                    "received_at": result.upload.received_at,
                },
                "reports": ReportSerializer(reports, many=True).data,
                # Rows below the data that were skipped (totals, averages, footnotes).
                "notes": [note.as_dict() for note in result.notes],
            },
            status=status.HTTP_200_OK if result.duplicate else status.HTTP_201_CREATED,
        )


class ColumnAliasSerializer(serializers.ModelSerializer):
    """A vendor's own header for a KPI code or raw field, and how its percent values are written."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            vendor_field: Any = self.fields["vendor"]
            vendor_field.queryset = selectors.vendor_list(user=request.user)

    class Meta:
        model = ColumnAlias
        fields = ["id", "vendor", "header", "normalized", "target", "scale"]
        read_only_fields = ["id", "normalized"]
        validators: list = []


class AliasWritePermission(RoleWritePermission):
    """Members read; administrators of the alias's vendor's organization write."""

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return selectors.role_in(request.user, obj.vendor.organization_id) in view.write_roles


class ColumnAliasViewSet(viewsets.ModelViewSet):
    """Column aliases of the user's vendors; administrators change them."""

    serializer_class = ColumnAliasSerializer
    permission_classes = [AliasWritePermission]
    filterset_class = ColumnAliasFilter
    write_roles = {Role.ADMIN.value}

    def get_queryset(self) -> QuerySet[ColumnAlias]:
        return selectors.column_alias_list(user=self.request.user).order_by("vendor_id", "header")

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        if (
            selectors.role_in(self.request.user, data["vendor"].organization_id)
            not in self.write_roles
        ):
            raise PermissionDenied("Only administrators change column aliases.")
        try:
            serializer.instance = alias_services.column_alias_create(**data)
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        if "vendor" in data and data.pop("vendor") != serializer.instance.vendor:
            raise serializers.ValidationError({"vendor": "An alias cannot move to another vendor."})
        try:
            serializer.instance = alias_services.column_alias_update(
                alias=serializer.instance, **data
            )
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc

    def perform_destroy(self, instance: ColumnAlias) -> None:
        alias_services.column_alias_delete(alias=instance)
