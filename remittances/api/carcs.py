"""API of the CARC table: ``/api/v1/carc-categories/`` (list, retrieve, create, update).

Members read the shipped defaults and their organization's own rows; administrators add and
change their organization's rows (which override the shipped ones); shipped rows are read-only.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.routers import SimpleRouter

from remittances.models import CarcRule, DenialCategory, ResponsibleParty
from remittances.services import carcs
from vendors import policy, selectors
from vendors.api.permissions import RoleWritePermission, organization_for_write
from vendors.api.views import as_drf_error

ADMINS = set(policy.roles_with(policy.Capability.MANAGE))


class CarcRuleSerializer(serializers.ModelSerializer):
    """A CARC's category and responsible party: shipped (read-only) or the organization's."""

    organization: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="slug",
        read_only=True,
        allow_null=True,
        help_text="The owning organization; null if shipped.",
    )
    shipped = serializers.BooleanField(source="is_shipped", read_only=True)
    organization_slug = serializers.SlugField(
        required=False,
        write_only=True,
        help_text="On create: the organization, when you administer several.",
    )
    carc = serializers.CharField(max_length=5)
    group_code = serializers.CharField(max_length=2, required=False, allow_blank=True)
    description = serializers.CharField(max_length=500, required=False, allow_blank=True)

    class Meta:
        model = CarcRule
        fields = [
            "id",
            "carc",
            "group_code",
            "category",
            "responsible_party",
            "description",
            "organization",
            "shipped",
            "organization_slug",
        ]
        read_only_fields = ["id"]


class CarcRuleFilter(django_filters.FilterSet):
    """Filters of the CARC table."""

    carc = django_filters.CharFilter(max_length=5)
    group_code = django_filters.ChoiceFilter(
        choices=[(g, g) for g in carcs.GROUP_CODES if g], method="filter_group"
    )
    category = django_filters.ChoiceFilter(choices=DenialCategory.choices)
    responsible_party = django_filters.ChoiceFilter(choices=ResponsibleParty.choices)

    class Meta:
        model = CarcRule
        fields = ["carc", "group_code", "category", "responsible_party"]

    def filter_group(self, queryset: QuerySet[CarcRule], name: str, value: str) -> Any:
        return queryset.filter(group_code=value)


class CarcRuleWritePermission(RoleWritePermission):
    """Members read; administrators change their organization's rows, never a shipped one."""

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if request.method not in SAFE_METHODS and obj.organization_id is None:
            raise PermissionDenied(
                f"CARC {obj.carc} is a shipped default, read-only; add your organization's own "
                "row for it instead."
            )
        return super().has_object_permission(request, view, obj)


class CarcRuleViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The CARC table as a member sees it: the shipped rows and the organization's own."""

    serializer_class = CarcRuleSerializer
    filterset_class = CarcRuleFilter
    permission_classes = [CarcRuleWritePermission]
    write_roles = ADMINS

    def get_queryset(self) -> QuerySet[CarcRule]:
        user = self.request.user
        if not user.is_authenticated:
            return CarcRule.objects.none()
        mine = selectors.organizations_for(user).values("pk")
        return (
            CarcRule.objects.select_related("organization")
            .filter(Q(organization__isnull=True) | Q(organization__in=mine))
            .order_by("carc", "group_code", "id")
        )

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        org = organization_for_write(self.request, data.pop("organization_slug", None), ADMINS)
        try:
            serializer.instance = carcs.carc_rule_create(organization=org, **data)
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        data.pop("organization_slug", None)
        try:
            serializer.instance = carcs.carc_rule_update(rule=serializer.instance, **data)
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc


router = SimpleRouter()
router.register("carc-categories", CarcRuleViewSet, basename="carc-category")
urlpatterns = router.urls
