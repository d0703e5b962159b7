"""API of the payers' evidence: remittance files (upload, list, retrieve), claim payments (list,
retrieve) and payee mappings (list, create, update).

Reading needs READ; uploading UPLOAD; mapping payees MANAGE (``vendors.policy``). Claim charges
and payments are the payer's money paid for the practice's claims, not the vendor's fee, so they
are shown to every reader (not SEE_MONEY).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from remittances import selectors
from remittances.models import CLAIM_STATUS_CODES, ClaimPayment, PayeeMapping, RemittanceFile
from remittances.services import payees
from remittances.services.imports import UnmappedPayees, remittance_import
from remittances.x12 import RemittanceRefused
from vendors import policy
from vendors import selectors as vendor_selectors
from vendors.api import params
from vendors.api.permissions import RoleWritePermission, organization_for_write
from vendors.api.views import as_drf_error

UPLOAD_ROLES = policy.roles_with(policy.Capability.UPLOAD)
MANAGE_ROLES = set(policy.roles_with(policy.Capability.MANAGE))


# --- Serializers ----------------------------------------------------------------------------------
class RemittanceFileSerializer(serializers.ModelSerializer):
    """A received 835 file and its summary."""

    organization: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )

    class Meta:
        model = RemittanceFile
        fields = [
            "id",
            "organization",
            "file_name",
            "sha256",
            "size_bytes",
            "received_at",
            "interchange_control_number",
            "transaction_count",
            "claim_count",
            "payer_name",
            "payment_date_min",
            "payment_date_max",
        ]


class AdjustmentSerializer(serializers.Serializer):
    """One CAS (group, reason, amount) triple; amounts in cents."""

    group_code = serializers.CharField()
    carc = serializers.CharField()
    amount_cents = serializers.IntegerField()
    quantity = serializers.DecimalField(max_digits=15, decimal_places=3, allow_null=True)


class ServiceLineSerializer(serializers.Serializer):
    """One service line (SVC) with its adjustments."""

    line_number = serializers.IntegerField()
    procedure_code = serializers.CharField()
    charge_cents = serializers.IntegerField()
    payment_cents = serializers.IntegerField()
    units = serializers.DecimalField(max_digits=15, decimal_places=3, allow_null=True)
    service_date = serializers.DateField(allow_null=True)
    remark_codes = serializers.ListField(child=serializers.CharField())
    adjustments = AdjustmentSerializer(many=True, source="adjustments.all")


class ClaimPaymentSerializer(serializers.ModelSerializer):
    """A claim payment (CLP) with its claim-level adjustments and its service lines."""

    vendor_slug = serializers.CharField(source="vendor.slug", read_only=True)
    remark_codes = serializers.ListField(child=serializers.CharField(), read_only=True)
    adjustments = AdjustmentSerializer(many=True, source="claim_adjustments", read_only=True)
    lines = ServiceLineSerializer(many=True, read_only=True)

    class Meta:
        model = ClaimPayment
        fields = [
            "id",
            "remittance_file",
            "vendor",
            "vendor_slug",
            "period",
            "transaction_set_control_number",
            "payer_name",
            "payer_id",
            "payee_id_qualifier",
            "payee_id",
            "patient_control_number",
            "status_code",
            "charge_cents",
            "payment_cents",
            "patient_responsibility_cents",
            "claim_filing_indicator",
            "payer_claim_control_number",
            "payment_date",
            "received_date",
            "service_start",
            "service_end",
            "remark_codes",
            "sequence",
            "adjustments",
            "lines",
        ]


class PayeeMappingSerializer(serializers.ModelSerializer):
    """A payee (N1*PE qualifier and id) and the vendor that bills for it."""

    organization: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            vendor_field: Any = self.fields["vendor"]
            vendor_field.queryset = vendor_selectors.vendor_list(user=request.user)

    class Meta:
        model = PayeeMapping
        fields = ["id", "organization", "id_qualifier", "payee_id", "payee_name", "vendor"]
        read_only_fields = ["id", "organization"]
        validators: list = []
        extra_kwargs = {"payee_name": {"required": False}}


class RemittanceUploadSerializer(serializers.Serializer):
    """One or many 835 files (field ``files``, repeated)."""

    files = serializers.ListField(child=serializers.FileField(), allow_empty=False)
    organization = serializers.SlugField(
        required=False,
        allow_blank=True,
        help_text="The organization, when you may upload to several.",
    )


def _error_schema() -> Any:
    return inline_serializer(
        "RemittanceError",
        {
            "segment": serializers.IntegerField(allow_null=True),
            "segment_id": serializers.CharField(),
            "message": serializers.CharField(),
        },
        many=True,
    )


def _payee_schema() -> Any:
    return inline_serializer(
        "UnmappedPayee",
        {
            "name": serializers.CharField(),
            "id_qualifier": serializers.CharField(),
            "payee_id": serializers.CharField(),
        },
        many=True,
    )


UPLOAD_SCHEMA = inline_serializer(
    "RemittanceUploadResult",
    {
        "files": inline_serializer(
            "RemittanceFileResult",
            {
                "file_name": serializers.CharField(),
                "status": serializers.ChoiceField(choices=["stored", "duplicate", "refused"]),
                "message": serializers.CharField(),
                "remittance_file": RemittanceFileSerializer(allow_null=True),
                "errors": _error_schema(),
                "error_count": serializers.IntegerField(),
                "unmapped_payees": _payee_schema(),
            },
            many=True,
        ),
        # A request refused before any file was read: its fields' messages.
        "errors": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()), required=False
        ),
    },
)


# --- Filters --------------------------------------------------------------------------------------
class RemittanceFileFilter(django_filters.FilterSet):
    """Filters of the remittance file list."""

    sha256 = django_filters.CharFilter(max_length=64)

    class Meta:
        model = RemittanceFile
        fields = ["sha256"]


class ClaimPaymentFilter(django_filters.FilterSet):
    """Filters of the claim payment list: vendor (id or slug), payer (name or id), period,
    status (CLP02), carc (an adjustment of that reason code, claim or line level), file."""

    vendor = params.VendorRefFilter()
    payer = django_filters.CharFilter(method="filter_payer", max_length=80)
    period = params.PeriodFilter()
    status = django_filters.ChoiceFilter(
        field_name="status_code", choices=[(c, c) for c in CLAIM_STATUS_CODES]
    )
    carc = django_filters.CharFilter(method="filter_carc", max_length=5)
    remittance_file = params.IdFilter()

    class Meta:
        model = ClaimPayment
        fields = ["vendor", "payer", "period", "status", "carc", "remittance_file"]

    def filter_payer(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return qs.filter(Q(payer_name__iexact=value) | Q(payer_id=value)) if value else qs

    def filter_carc(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        if not value:
            return qs
        return qs.filter(pk__in=selectors.claims_with_carc(value))


# --- Views ----------------------------------------------------------------------------------------
def _flat(errors: Any) -> dict[str, list[str]]:
    """A serializer's errors as {field: [messages]} (a list field's per-item errors included)."""
    flat: dict[str, list[str]] = {}
    for field, found in dict(errors).items():
        if isinstance(found, dict):
            flat[field] = [
                f"item {int(index) + 1}: {message}"
                for index, messages in found.items()
                for message in messages
            ]
        else:
            flat[field] = [str(message) for message in found]
    return flat


def _file_result(name: str, **found: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "file_name": name,
        "remittance_file": None,
        "errors": [],
        "error_count": 0,
        "unmapped_payees": [],
    }
    return {**base, **found}


def _refused(name: str, exc: RemittanceRefused) -> dict[str, Any]:
    shown = exc.errors[: settings.REPORT_MAX_ERRORS_SHOWN]
    more = len(exc.errors) - len(shown)
    payees_found = getattr(exc, "payees", [])
    return _file_result(
        name,
        status="refused",
        message=f"{name} was refused; nothing of it was stored."
        + (f" The first {len(shown)} errors are listed, {more} more." if more else ""),
        errors=[
            {"segment": e.segment, "segment_id": e.segment_id, "message": e.message} for e in shown
        ],
        error_count=len(exc.errors),
        unmapped_payees=[
            {"name": p.name, "id_qualifier": p.id_qualifier, "payee_id": p.payee_id}
            for p in payees_found
        ],
    )


class RemittanceFileViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Received X12 835 remittance files of the user's organizations."""

    serializer_class = RemittanceFileSerializer
    filterset_class = RemittanceFileFilter
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet[RemittanceFile]:
        return selectors.remittance_file_list(user=self.request.user)

    @extend_schema(
        request={"multipart/form-data": RemittanceUploadSerializer},
        responses={
            201: UPLOAD_SCHEMA,
            200: UPLOAD_SCHEMA,
            400: UPLOAD_SCHEMA,
        },
    )
    def create(self, request: Request) -> Response:
        """Upload one or many 835 files (``files``): each is stored whole or refused whole.

        201 when a file was stored, 200 when every file had been received before, 400 when a
        file was refused (the body says, per file, what became of it).
        """
        payload = RemittanceUploadSerializer(data=request.data)
        if not payload.is_valid():
            return Response(
                {"files": [], "errors": _flat(payload.errors)}, status=status.HTTP_400_BAD_REQUEST
            )
        files = payload.validated_data["files"]
        if len(files) > settings.REMITTANCE_MAX_FILES:
            return Response(
                {
                    "files": [],
                    "errors": {
                        "files": [f"At most {settings.REMITTANCE_MAX_FILES} files per upload."]
                    },
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        try:
            organization = organization_for_write(
                request, payload.validated_data.get("organization") or None, UPLOAD_ROLES
            )
        except ValidationError as exc:  # refused in the upload's own shape
            return Response(
                {"files": [], "errors": _flat(exc.detail)}, status=status.HTTP_400_BAD_REQUEST
            )
        results = [self._one(request, organization, upload) for upload in files]
        kinds = {r["status"] for r in results}
        code = (
            status.HTTP_400_BAD_REQUEST
            if "refused" in kinds
            else status.HTTP_201_CREATED
            if "stored" in kinds
            else status.HTTP_200_OK
        )
        return Response({"files": results}, status=code)

    def _one(self, request: Request, organization: Any, upload: Any) -> dict[str, Any]:
        name = upload.name or "remittance.835"
        if upload.size > settings.REMITTANCE_MAX_BYTES:
            return _refused(
                name,
                RemittanceRefused.single(
                    f"The file is {upload.size} bytes; at most "
                    f"{settings.REMITTANCE_MAX_BYTES} bytes are read."
                ),
            )
        try:
            result = remittance_import(
                organization=organization,
                data=upload.read(),
                file_name=name,
                uploaded_by=request.user,
            )
        except UnmappedPayees as exc:
            return _refused(name, exc)
        except RemittanceRefused as exc:
            return _refused(name, exc)
        return _file_result(
            name,
            status="stored" if result.created else "duplicate",
            message=result.message,
            remittance_file=RemittanceFileSerializer(result.remittance_file).data,
        )


class ClaimPaymentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Claim payments (loop 2100) of the received remittances, with adjustments and lines."""

    serializer_class = ClaimPaymentSerializer
    filterset_class = ClaimPaymentFilter

    def get_queryset(self) -> QuerySet[ClaimPayment]:
        return selectors.claim_payment_list(user=self.request.user).order_by(
            "-payment_date", "remittance_file_id", "sequence"
        )


class PayeeMappingViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Which vendor bills for which payee; administrators change them."""

    serializer_class = PayeeMappingSerializer
    permission_classes = [RoleWritePermission]
    write_roles = MANAGE_ROLES

    def get_queryset(self) -> QuerySet[PayeeMapping]:
        return selectors.payee_mapping_list(user=self.request.user).order_by("id")

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        vendor = data["vendor"]
        if vendor_selectors.role_in(self.request.user, vendor.organization_id) not in MANAGE_ROLES:
            raise PermissionDenied("Mapping payees to vendors needs the role admin.")
        try:
            serializer.instance = payees.payee_mapping_create(
                organization=vendor.organization, **data
            )
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        try:
            serializer.instance = payees.payee_mapping_update(mapping=serializer.instance, **data)
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc
