"""Audit API: the trail of changes (who, when, why), for administrators and compliance only."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response

from vendors import policy, selectors
from vendors.models import AuditAction, AuditEvent, AuditRecordType
from vendors.policy import Capability


class AuditPagination(LimitOffsetPagination):
    """limit (1 to 500, default 100) and offset (0 or more); anything else is a 400."""

    max_limit = 500

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> Any:
        for name in (self.limit_query_param, self.offset_query_param):
            value = request.query_params.get(name)
            low = 1 if name == self.limit_query_param else 0
            if value is not None and not (value.isdigit() and int(value) >= low):
                raise ValidationError({name: [f"{name} must be a whole number of {low} or more."]})
        return super().paginate_queryset(queryset, request, view)


class AuditEventSerializer(serializers.ModelSerializer):
    """One change: who (the name stays when the user is deleted), when, what and why."""

    organization = serializers.CharField(
        source="organization.slug", read_only=True, allow_null=True
    )
    actor = serializers.SerializerMethodField(
        help_text="Username; null for the system or a deleted user (actor_name still names them)."
    )
    record_type = serializers.ChoiceField(choices=AuditRecordType.choices)
    action = serializers.ChoiceField(choices=AuditAction.choices)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "organization",
            "at",
            "actor",
            "actor_name",
            "action",
            "record_type",
            "record_id",
            "record_label",
            "reason",
            "changes",
        ]

    def get_actor(self, event: AuditEvent) -> str | None:
        return event.actor.get_username() if event.actor else None

    def to_representation(self, instance: AuditEvent) -> dict[str, Any]:
        data = super().to_representation(instance)
        request = self.context.get("request")
        role = None
        if request is not None and instance.organization_id is not None:
            role = policy.role_for_request(request, instance.organization_id)
        data["changes"] = policy.audit_changes_for_role(data["changes"] or {}, role)
        return data


class AuditViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The audit trail of the organizations where the user is an administrator or compliance."""

    serializer_class = AuditEventSerializer
    pagination_class = AuditPagination

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "record", str, description="A record type, or type:id (e.g. contract:12)."
            ),
            OpenApiParameter("actor", str, description="Username, user id, or system."),
            OpenApiParameter("since", str, description="YYYY-MM-DD or ISO 8601 date and time."),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Changes, newest first."""
        return super().list(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[AuditEvent]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return AuditEvent.objects.none()
        organizations = selectors.organizations_with_role(
            self.request.user, policy.roles_with(Capability.SEE_COMPLIANCE)
        ).values_list("pk", flat=True)
        ids = list(organizations)
        if not ids:
            raise PermissionDenied("The audit trail is for administrators and compliance members.")
        try:
            where = selectors.audit_filter_parse(self.request.query_params)
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        return selectors.audit_events(organization_ids=ids, where=where).select_related(
            "organization", "actor"
        )
