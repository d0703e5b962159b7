"""Remediation API: list, retrieve, and transitions with a reason (admin and compliance only)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from scorecard import selectors
from scorecard.models import RemediationItem, RemediationKind, RemediationStatus
from scorecard.services.remediation import remediation_transition
from vendors import policy
from vendors import selectors as vendor_selectors
from vendors.api import params

MOVERS = policy.roles_with(policy.Capability.MOVE_REMEDIATION)


class RemediationEventSerializer(serializers.Serializer):
    """One transition: who (null for the evaluation), when and why."""

    from_status = serializers.CharField()
    to_status = serializers.CharField()
    actor = serializers.CharField(allow_null=True)
    actor_name = serializers.CharField(help_text="Who, kept after the user is deleted.")
    at = serializers.DateTimeField()
    reason = serializers.CharField()
    period = serializers.CharField()


class RemediationSerializer(serializers.Serializer):
    """A remediation item with its events (``scorecard.selectors.remediation_payload``)."""

    id = serializers.IntegerField()
    vendor = serializers.CharField()
    vendor_name = serializers.CharField()
    contract = serializers.IntegerField()
    kpi = serializers.CharField()
    kpi_name = serializers.CharField()
    kind = serializers.CharField(help_text="breach or root_cause_review.")
    status = serializers.ChoiceField(choices=RemediationStatus.choices)
    opened_period = serializers.CharField()
    cure_deadline = serializers.DateField(allow_null=True)
    meeting_streak = serializers.IntegerField()
    verified = serializers.BooleanField()
    closed_at = serializers.DateTimeField(allow_null=True)
    events = RemediationEventSerializer(many=True)

    def to_representation(self, instance: RemediationItem) -> dict[str, Any]:
        return selectors.remediation_payload(instance)


class TransitionSerializer(serializers.Serializer):
    """A transition: the new status and why."""

    status = serializers.ChoiceField(choices=RemediationStatus.choices)
    reason = serializers.CharField(allow_blank=True, required=False, default="")


class RemediationFilter(django_filters.FilterSet):
    """Filters of the remediation list (``open`` is read by the view's queryset)."""

    vendor = params.VendorRefFilter()
    vendor_slug = params.SlugFilter(field_name="vendor__slug")
    status = django_filters.ChoiceFilter(choices=RemediationStatus.choices)
    kind = django_filters.ChoiceFilter(choices=RemediationKind.choices)
    open = params.StrictBooleanFilter(method="keep", help_text="Only items not closed or waived.")

    class Meta:
        model = RemediationItem
        fields = ["vendor", "vendor_slug", "status", "kind", "open"]

    def keep(
        self, qs: QuerySet[RemediationItem], name: str, value: Any
    ) -> QuerySet[RemediationItem]:
        """Validated here and documented; the queryset already applied it."""
        return qs


class RemediationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Remediation items of the user's organizations, from breach to verified cure."""

    serializer_class = RemediationSerializer
    filterset_class = RemediationFilter

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Remediation items, oldest first."""
        return super().list(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[RemediationItem]:
        only_open = params.strict_bool("open", self.request.query_params.get("open"))
        return selectors.remediation_list(user=self.request.user, open_only=bool(only_open))

    def _transition(self, request: Request) -> Response:
        item = self.get_object()
        if vendor_selectors.role_in(request.user, item.organization_id) not in MOVERS:
            raise PermissionDenied("Only administrators and compliance members move remediations.")
        payload = TransitionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            remediation_transition(
                item=item,
                to_status=payload.validated_data["status"],
                reason=payload.validated_data["reason"],
                actor=request.user,
            )
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        return Response(self.get_serializer(self.get_queryset().get(pk=item.pk)).data)

    @extend_schema(request=TransitionSerializer, responses={200: RemediationSerializer})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """PATCH {"status": ..., "reason": ...}: a transition."""
        return self._transition(request)

    @extend_schema(request=TransitionSerializer, responses={200: RemediationSerializer})
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        """POST {"status": ..., "reason": ...}: a transition."""
        return self._transition(request)
