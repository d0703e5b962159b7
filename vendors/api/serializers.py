"""Serializers of vendor facts: they parse and present, services decide."""

from __future__ import annotations

import re
from typing import Any, ClassVar, cast

from rest_framework import serializers

from vendors import selectors, services
from vendors.models import Contract, KPIDefinition, SLATerm, Vendor


class VendorSerializer(serializers.ModelSerializer):
    """A vendor with its profile and compliance checklist."""

    organization: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    services = serializers.ListField(child=serializers.CharField(), required=False)
    specialties = serializers.ListField(child=serializers.CharField(), required=False)
    integrations = serializers.ListField(child=serializers.CharField(), required=False)
    slug = serializers.SlugField(required=False, max_length=80)
    organization_slug = serializers.SlugField(
        required=False,
        write_only=True,
        help_text="On create: the organization, when you belong to several.",
    )

    class Meta:
        model = Vendor
        exclude = ["created_at"]


class KPISerializer(serializers.ModelSerializer):
    """A KPI catalog entry."""

    # Header spellings are strings: a JSON list of anything else (or text PostgreSQL cannot
    # store, such as a lone surrogate) is a 400 naming the field, not a server error.
    aliases = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, default=list
    )

    class Meta:
        model = KPIDefinition
        fields = [
            "id",
            "code",
            "name",
            "unit",
            "direction",
            "formula",
            "volume_field",
            "source",
            "description",
            "aliases",
            "default_benchmark",
            "default_warning",
            "default_weight",
            "in_default_template",
        ]
        read_only_fields = [
            "id",
            "default_benchmark",
            "default_warning",
            "default_weight",
            "in_default_template",
        ]
        extra_kwargs: ClassVar[dict[str, dict[str, Any]]] = {"code": {"validators": []}}


class KPICodeField(serializers.SlugRelatedField):
    """A KPI named by its code; a value that cannot be a code is refused before the lookup
    (PostgreSQL refuses text with NUL in it with a server error)."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str) or not SLUG.match(data):
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data))
        return super().to_internal_value(data)


SLUG = re.compile(r"^[-a-zA-Z0-9_]+\Z")


class SLATermSerializer(serializers.ModelSerializer):
    """One KPI in a contract: benchmark, warning threshold, weight and minimum volume."""

    kpi = KPICodeField(slug_field="code", queryset=KPIDefinition.objects.all())
    unit = serializers.CharField(source="kpi.unit", read_only=True)
    direction = serializers.CharField(source="kpi.direction", read_only=True)

    class Meta:
        model = SLATerm
        fields = ["kpi", "unit", "direction", "benchmark", "warning", "weight", "minimum_volume"]
        extra_kwargs = {"minimum_volume": {"required": False}}


class ContractSerializer(serializers.ModelSerializer):
    """A contract version with pricing and SLA terms (the default template when left out)."""

    organization: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    vendor_slug = serializers.CharField(source="vendor.slug", read_only=True)
    vendor_name = serializers.CharField(source="vendor.name", read_only=True)
    sla_terms = SLATermSerializer(many=True, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            # Only the user's own vendors can be named; another organization's is "not found".
            vendor_field = cast(Any, self.fields["vendor"])
            vendor_field.queryset = selectors.vendor_list(user=request.user)

    class Meta:
        model = Contract
        fields = [
            "id",
            "organization",
            "vendor",
            "vendor_slug",
            "vendor_name",
            "version",
            "amends",
            *services.CONTRACT_FIELDS,
            "sla_terms",
        ]
        read_only_fields = ["id", "version", "amends"]


class ContractAmendSerializer(serializers.Serializer):
    """An amendment: the date it takes effect and what changes (terms replaced when given)."""

    effective_date = serializers.DateField()
    changes = serializers.DictField(required=False, default=dict)
    sla_terms = SLATermSerializer(many=True, required=False)
