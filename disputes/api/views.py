"""Disputes API: list (filters vendor, period, status), create per scorecard revision and KPI,
retrieve, steps with a reason (answer, accept, reject), attachments; a scorecard's
acknowledgement; a remediation item's action plans."""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from disputes import selectors
from disputes.models import Dispute, DisputeAttachment, DisputeStatus, Resolution
from disputes.services import acknowledgements, action_plans
from disputes.services import disputes as services
from scorecard.models import RemediationItem, Scorecard
from vendors.api import params
from vendors.selectors import scope_for_user


def _call(fn: Any, **kwargs: Any) -> Any:
    """Run a service; its refusals become 400 (naming the field) or 403."""
    try:
        return fn(**kwargs)
    except DjangoValidationError as exc:
        raise ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        ) from exc
    except DjangoPermissionDenied as exc:
        raise PermissionDenied(str(exc)) from exc


class DisputeItemSerializer(serializers.Serializer):
    """One disputed KPI: the scorecard's value, the value the vendor holds, and why."""

    kpi = serializers.CharField(max_length=80, help_text="KPI code on the disputed revision.")
    kpi_name = serializers.CharField(read_only=True)
    unit = serializers.CharField(read_only=True)
    scorecard_value = serializers.CharField(read_only=True, allow_null=True)
    disputed_value = serializers.DecimalField(
        max_digits=24,
        decimal_places=6,
        required=False,
        allow_null=True,
        help_text="The value the vendor holds, in the KPI's unit.",
    )
    reason = serializers.CharField(max_length=5000)


class DisputeEventSerializer(serializers.Serializer):
    """One step: who, when and why."""

    from_status = serializers.CharField(allow_null=True)
    to_status = serializers.ChoiceField(choices=DisputeStatus.choices)
    actor_name = serializers.CharField()
    at = serializers.DateTimeField()
    reason = serializers.CharField()


class AttachmentSerializer(serializers.Serializer):
    """A file attached to a dispute (download at ``disputes/{id}/attachments/{attachment}/``)."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    size_bytes = serializers.IntegerField()
    sha256 = serializers.CharField()


class DisputeSerializer(serializers.Serializer):
    """A dispute of KPIs of one scorecard revision (``disputes.selectors.dispute_payload``)."""

    id = serializers.IntegerField(read_only=True)
    vendor = serializers.CharField(read_only=True, help_text="Vendor slug.")
    vendor_name = serializers.CharField(read_only=True)
    scorecard = serializers.IntegerField(help_text="The disputed scorecard revision's id.")
    revision = serializers.IntegerField(read_only=True)
    period = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=DisputeStatus.choices, read_only=True)
    reason = serializers.CharField(max_length=5000)
    opened_by = serializers.CharField(read_only=True)
    opened_at = serializers.DateTimeField(read_only=True)
    answer_due = serializers.DateField(
        read_only=True, help_text="Last day to answer (DISPUTE_ANSWER_BUSINESS_DAYS business days)."
    )
    overdue = serializers.BooleanField(read_only=True, help_text="Open and unanswered past due.")
    resolution = serializers.ChoiceField(
        choices=Resolution.choices, read_only=True, allow_null=True
    )
    resolved_by = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="The newer scorecard revision it led to."
    )
    resolved_by_revision = serializers.IntegerField(read_only=True, allow_null=True)
    closed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    items = DisputeItemSerializer(many=True)
    events = DisputeEventSerializer(many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    def to_representation(self, instance: Dispute) -> dict[str, Any]:
        holidays = self.context.get("holidays")
        if holidays is None:
            holidays = selectors.holidays_for([instance])
        return selectors.dispute_payload(
            instance, holidays=holidays.get(instance.organization_id, frozenset())
        )


class StepSerializer(serializers.Serializer):
    """A step of a dispute: why (required)."""

    reason = serializers.CharField(allow_blank=True, max_length=5000)


class AcceptSerializer(StepSerializer):
    """Accepting: why, and what resolved it (the newer revision is linked)."""

    resolution = serializers.ChoiceField(choices=Resolution.choices)


class UploadSerializer(serializers.Serializer):
    """One file (at most DISPUTE_ATTACHMENT_MAX_BYTES)."""

    file = serializers.FileField()


class DisputeFilter(django_filters.FilterSet):
    """Filters of the dispute list."""

    vendor = params.VendorRefFilter()
    period = params.PeriodFilter()
    status = django_filters.ChoiceFilter(choices=DisputeStatus.choices)
    overdue = params.StrictBooleanFilter(method="only_overdue", help_text="Only overdue ones.")

    class Meta:
        model = Dispute
        fields = ["vendor", "period", "status", "overdue"]

    def only_overdue(self, qs: QuerySet[Dispute], name: str, value: Any) -> QuerySet[Dispute]:
        """Open disputes past their answer due date (or the others with ``false``)."""
        rows = list(qs.filter(status=DisputeStatus.OPEN) if value else qs)
        holidays = selectors.holidays_for(rows)
        today = timezone.localdate()
        ids = [
            d.pk
            for d in rows
            if selectors.overdue(d, holidays.get(d.organization_id, frozenset()), today) is value
        ]
        return qs.filter(pk__in=ids)


class DisputeViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Disputes of scorecard revisions in the user's organizations."""

    serializer_class = DisputeSerializer
    filterset_class = DisputeFilter

    def get_queryset(self) -> QuerySet[Dispute]:
        return selectors.dispute_list(user=self.request.user)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Disputes, newest first."""
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = list(page if page is not None else queryset)
        context = {**self.get_serializer_context(), "holidays": selectors.holidays_for(rows)}
        data = DisputeSerializer(rows, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Dispute KPIs of the current revision of a scorecard (the vendor side)."""
        payload = DisputeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        card = get_object_or_404(
            scope_for_user(Scorecard.objects.all(), request.user), pk=data["scorecard"]
        )
        dispute = _call(
            services.dispute_open,
            scorecard=card,
            actor=request.user,
            reason=data["reason"],
            items=[dict(item) for item in data["items"]],
        )
        return Response(
            DisputeSerializer(self.get_queryset().get(pk=dispute.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    def _step(
        self, request: Request, fn: Any, serializer: type[serializers.Serializer]
    ) -> Response:
        dispute = self.get_object()
        payload = serializer(data=request.data)
        payload.is_valid(raise_exception=True)
        _call(fn, dispute=dispute, actor=request.user, **payload.validated_data)
        return Response(DisputeSerializer(self.get_queryset().get(pk=dispute.pk)).data)

    @extend_schema(request=StepSerializer, responses={200: DisputeSerializer})
    @action(detail=True, methods=["post"])
    def answer(self, request: Request, pk: str | None = None) -> Response:
        """The practice answers an open dispute."""
        return self._step(request, services.dispute_answer, StepSerializer)

    @extend_schema(request=AcceptSerializer, responses={200: DisputeSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        """The practice accepts: a corrected report or amendment made a newer revision."""
        return self._step(request, services.dispute_accept, AcceptSerializer)

    @extend_schema(request=StepSerializer, responses={200: DisputeSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        """The practice rejects a dispute, with a reason."""
        return self._step(request, services.dispute_reject, StepSerializer)

    @extend_schema(request=UploadSerializer, responses={201: AttachmentSerializer})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def attachments(self, request: Request, pk: str | None = None) -> Response:
        """Attach a file to a dispute not yet decided (the vendor side)."""
        dispute = self.get_object()
        payload = UploadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        row = _call(
            services.dispute_attach,
            dispute=dispute,
            upload=payload.validated_data["file"],
            actor=request.user,
        )
        body = {"id": row.pk, "name": row.name, "size_bytes": row.size_bytes, "sha256": row.sha256}
        return Response(body, status=status.HTTP_201_CREATED)


class AttachmentDownloadView(APIView):
    """The stored file of a dispute's attachment."""

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request: Request, pk: int, attachment: int) -> FileResponse:
        """Download the file as uploaded."""
        row = get_object_or_404(
            scope_for_user(
                DisputeAttachment.objects.all(),
                request.user,
                organization_field="dispute__organization",
            ),
            dispute_id=pk,
            pk=attachment,
        )
        return FileResponse(row.file.open("rb"), as_attachment=True, filename=row.name)


class AcknowledgementSerializer(serializers.Serializer):
    """A scorecard revision's acknowledgement."""

    scorecard = serializers.IntegerField(read_only=True)
    actor_name = serializers.CharField(read_only=True)
    at = serializers.DateTimeField(read_only=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class AcknowledgeView(APIView):
    """Acknowledge the current revision of a scorecard (the vendor side)."""

    @extend_schema(request=AcknowledgementSerializer, responses={201: AcknowledgementSerializer})
    def post(self, request: Request, pk: int) -> Response:
        """Acknowledge once per revision, with an optional note."""
        card = get_object_or_404(scope_for_user(Scorecard.objects.all(), request.user), pk=pk)
        payload = AcknowledgementSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        ack = _call(
            acknowledgements.acknowledgement_create,
            scorecard=card,
            actor=request.user,
            note=payload.validated_data.get("note", ""),
        )
        body = {"scorecard": card.pk, "actor_name": ack.actor_name, "at": ack.at, "note": ack.note}
        return Response(AcknowledgementSerializer(body).data, status=status.HTTP_201_CREATED)


class ActionPlanSerializer(serializers.Serializer):
    """A remediation item's action plan: text and an optional file."""

    id = serializers.IntegerField(read_only=True)
    text = serializers.CharField(max_length=5000)
    file = serializers.FileField(required=False, write_only=True)
    file_name = serializers.CharField(read_only=True)
    size_bytes = serializers.IntegerField(read_only=True)
    submitted_by = serializers.CharField(read_only=True, source="submitted_by_name")
    submitted_at = serializers.DateTimeField(read_only=True)


class ActionPlanView(APIView):
    """A remediation item's action plans: list, or submit one (the vendor side)."""

    parser_classes = [MultiPartParser, FormParser]

    def _item(self, request: Request, pk: int) -> RemediationItem:
        return get_object_or_404(scope_for_user(RemediationItem.objects.all(), request.user), pk=pk)

    @extend_schema(responses={200: ActionPlanSerializer(many=True)})
    def get(self, request: Request, pk: int) -> Response:
        """The item's action plans, newest first."""
        item = self._item(request, pk)
        plans = selectors.action_plans_of(item_id=item.pk)
        return Response(ActionPlanSerializer(plans, many=True).data)

    @extend_schema(request=ActionPlanSerializer, responses={201: ActionPlanSerializer})
    def post(self, request: Request, pk: int) -> Response:
        """Submit an action plan: an open or escalated item moves to action plan received."""
        item = self._item(request, pk)
        payload = ActionPlanSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        plan = _call(
            action_plans.action_plan_submit,
            item=item,
            actor=request.user,
            text=payload.validated_data["text"],
            upload=payload.validated_data.get("file"),
        )
        return Response(ActionPlanSerializer(plan).data, status=status.HTTP_201_CREATED)
