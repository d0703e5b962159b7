"""Notifications API: the person's own in-app notifications (list, filter ``unread``), marking
one or all read. Another person's notification answers 404."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from scorecard import selectors
from scorecard.models import InAppNotification
from scorecard.services import notifications
from vendors.api import params


class NotificationSerializer(serializers.Serializer):
    """One in-app notification of the person asking."""

    id = serializers.IntegerField()
    organization = serializers.CharField(source="organization.slug", help_text="Organization slug.")
    kind = serializers.CharField(
        help_text="breach, escalation, termination_right, cure_reminder, at_risk..."
    )
    text = serializers.CharField()
    link = serializers.CharField(help_text="The page it is about (a path), or empty.")
    created = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)


class ReadAllSerializer(serializers.Serializer):
    """How many notifications were marked read."""

    marked = serializers.IntegerField()


class NotificationFilter(django_filters.FilterSet):
    """Filters of the notification list."""

    unread = params.StrictBooleanFilter(method="by_unread", help_text="Only unread (true) or read.")

    class Meta:
        model = InAppNotification
        fields = ["unread"]

    def by_unread(
        self, qs: QuerySet[InAppNotification], name: str, value: Any
    ) -> QuerySet[InAppNotification]:
        return qs.filter(read_at__isnull=bool(value))


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The person's own notifications, newest first (every organization of theirs)."""

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter

    def get_queryset(self) -> QuerySet[InAppNotification]:
        return selectors.notifications_for(user=self.request.user)

    @extend_schema(request=None, responses={200: NotificationSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        """Mark one notification read (its first reading time is kept)."""
        try:
            note = notifications.notification_mark_read(user=request.user, pk=int(pk or 0))
        except (InAppNotification.DoesNotExist, ValueError) as exc:
            raise NotFound("No such notification.") from exc
        return Response(self.get_serializer(self.get_queryset().get(pk=note.pk)).data)

    @extend_schema(request=None, responses={200: ReadAllSerializer})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        """Mark every unread notification read."""
        return Response({"marked": notifications.notifications_mark_all_read(user=request.user)})
