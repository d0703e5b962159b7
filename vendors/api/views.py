"""API views of vendor facts: parse, call one service or selector, answer."""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response

from vendors import policy, selectors, services
from vendors.models import (
    Contract,
    Direction,
    KPIDefinition,
    PricingModel,
    Service,
    Unit,
    Vendor,
)

from . import params
from .permissions import RoleWritePermission, organization_for_write
from .serializers import (
    ContractAmendSerializer,
    ContractSerializer,
    KPISerializer,
    VendorSerializer,
)

ADMINS = set(policy.roles_with(policy.Capability.MANAGE))


def as_drf_error(exc: DjangoValidationError) -> ValidationError:
    """A service's refusal as a 400 with a message per field."""
    if hasattr(exc, "message_dict"):
        return ValidationError(exc.message_dict)
    return ValidationError({"non_field_errors": exc.messages})


class UpdateViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """List, create, retrieve and update; nothing is deleted through the API."""

    permission_classes = [RoleWritePermission]
    write_roles = ADMINS


class VendorFilter(django_filters.FilterSet):
    """Filters of the vendor list."""

    slug = params.SlugFilter()
    organization = params.SlugFilter(field_name="organization__slug")
    service = django_filters.ChoiceFilter(choices=Service.choices, method="filter_service")
    name = django_filters.CharFilter(lookup_expr="icontains", max_length=200)

    class Meta:
        model = Vendor
        fields = ["slug", "organization", "name", "service"]

    def filter_service(self, qs: QuerySet[Vendor], name: str, value: str) -> QuerySet[Vendor]:
        """Vendors offering a service (JSON list membership, portable across databases)."""
        ids = [pk for pk, offered in qs.values_list("pk", "services") if value in (offered or [])]
        return qs.filter(pk__in=ids)


class VendorViewSet(UpdateViewSet):
    """Vendors of the user's organizations."""

    serializer_class = VendorSerializer
    filterset_class = VendorFilter

    def get_queryset(self) -> QuerySet[Vendor]:
        return selectors.vendor_list(user=self.request.user).order_by("name", "id")

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        org = organization_for_write(self.request, data.pop("organization_slug", None), ADMINS)
        try:
            serializer.instance = services.vendor_create(organization=org, **data)
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        data.pop("organization_slug", None)
        try:
            serializer.instance = services.vendor_update(vendor=serializer.instance, **data)
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc


class ContractFilter(django_filters.FilterSet):
    """Filters of the contract list."""

    vendor = params.VendorRefFilter()
    vendor_slug = params.SlugFilter(field_name="vendor__slug")
    organization = params.SlugFilter(field_name="organization__slug")
    pricing_model = django_filters.ChoiceFilter(choices=PricingModel.choices)
    agreement = params.IdFilter()
    version = params.IdFilter()
    active_on = django_filters.DateFilter(method="filter_active_on")

    class Meta:
        model = Contract
        fields = [
            "vendor",
            "vendor_slug",
            "organization",
            "pricing_model",
            "agreement",
            "version",
            "active_on",
        ]

    def filter_active_on(self, qs: QuerySet[Contract], name: str, value: Any) -> QuerySet[Contract]:
        """Versions in force on a date."""
        return qs.filter(start_date__lte=value).exclude(end_date__lt=value)


class KPIFilter(django_filters.FilterSet):
    """Filters of the KPI catalog."""

    code = params.SlugFilter()
    unit = django_filters.ChoiceFilter(choices=Unit.choices)
    direction = django_filters.ChoiceFilter(choices=Direction.choices)
    in_default_template = params.StrictBooleanFilter()

    class Meta:
        model = KPIDefinition
        fields = ["code", "unit", "direction", "in_default_template"]


def _terms(data: dict[str, Any]) -> list[dict[str, Any]] | None:
    terms = data.pop("sla_terms", None)
    return None if terms is None else [dict(t) for t in terms]


class ContractViewSet(UpdateViewSet):
    """Contract versions with pricing and SLA terms; ``amend`` makes a new version."""

    serializer_class = ContractSerializer
    filterset_class = ContractFilter

    def get_queryset(self) -> QuerySet[Contract]:
        return selectors.contract_list(user=self.request.user).order_by(
            "vendor__name", "agreement", "version"
        )

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        vendor = data.pop("vendor")
        if selectors.role_in(self.request.user, vendor.organization_id) not in ADMINS:
            raise PermissionDenied("Only administrators create contracts.")
        try:
            serializer.instance = services.contract_create(
                organization=vendor.organization, vendor=vendor, sla_terms=_terms(data), **data
            )
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        vendor = data.pop("vendor", serializer.instance.vendor)
        if vendor != serializer.instance.vendor:
            raise ValidationError({"vendor": "A contract cannot move to another vendor."})
        try:
            serializer.instance = services.contract_update(
                contract=serializer.instance, sla_terms=_terms(data), **data
            )
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc

    @extend_schema(request=ContractAmendSerializer, responses={201: ContractSerializer})
    @action(detail=True, methods=["post"])
    def amend(self, request: Request, pk: str | None = None) -> Response:
        """Amend from a date: the old version ends the day before, a new version begins."""
        contract = self.get_object()
        payload = ContractAmendSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        changes = ContractSerializer(contract, data=data["changes"], partial=True, context={})
        changes.is_valid(raise_exception=True)
        fields = dict(changes.validated_data)
        fields.pop("vendor", None)
        fields.pop("sla_terms", None)
        try:
            new = services.contract_amend(
                contract=contract,
                effective_date=data["effective_date"],
                sla_terms=_terms(data),
                **fields,
            )
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc
        fresh = self.get_queryset().get(pk=new.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)


class KPIWritePermission(RoleWritePermission):
    """Members read; administrators change their organization's own KPIs, never a shipped one."""

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if request.method not in SAFE_METHODS and obj.organization_id is None:
            raise PermissionDenied(
                f"{obj.code} is a shipped KPI, shared by every organization and read-only; "
                "add a KPI of your own instead."
            )
        return super().has_object_permission(request, view, obj)


class KPIViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The KPI catalog as a member sees it: the shipped KPIs and the organization's own.

    Administrators add KPIs to their organization and change them; shipped KPIs are read-only.
    """

    serializer_class = KPISerializer
    filterset_class = KPIFilter
    permission_classes = [KPIWritePermission]
    write_roles = ADMINS

    def get_queryset(self) -> QuerySet[KPIDefinition]:
        return selectors.kpi_list(user=self.request.user).order_by("display_order", "code", "id")

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        org = organization_for_write(self.request, data.pop("organization_slug", None), ADMINS)
        try:
            serializer.instance = services.kpi_create(organization=org, **data)
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        data.pop("organization_slug", None)
        try:
            serializer.instance = services.kpi_update(kpi=serializer.instance, **data)
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc
