"""Serializers of vendor facts: they parse and present, services decide."""

from __future__ import annotations

from typing import Any, ClassVar, cast

from rest_framework import serializers

from vendors import policy, selectors, services
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
    """A KPI catalog entry: shipped (shared, read-only) or an organization's own."""

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
    aliases = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, help_text="Header spellings."
    )
    raw_fields = serializers.JSONField(
        required=False,
        help_text='Raw fields the formula reads beyond the shipped ones: names, or {"name", '
        '"unit"} (unit count, currency, days, hours or business_days; count when left out).',
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
            "raw_fields",
            "organization",
            "shipped",
            "organization_slug",
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


class KPICodeField(serializers.CharField):
    """A KPI named by its code; the service finds it in the contract's organization's catalog."""

    def to_representation(self, value: Any) -> str:
        return value.code if isinstance(value, KPIDefinition) else str(value)


class SLATermSerializer(serializers.ModelSerializer):
    """One KPI in a contract: benchmark, warning threshold, weight and minimum volume."""

    kpi = KPICodeField(max_length=80, help_text="A shipped KPI's code or one of your own.")
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
            "agreement",
            "version",
            "amends",
            *services.CONTRACT_FIELDS,
            "sla_terms",
        ]
        read_only_fields = ["id", "agreement", "version", "amends"]
        # The services number agreements and versions and refuse overlaps. DRF would make a
        # validator of the (vendor, agreement, version) constraint from the read-only fields'
        # defaults, 1 and 1, and refuse every vendor's second contract.
        validators: ClassVar[list[Any]] = []

    def to_representation(self, instance: Contract) -> dict[str, Any]:
        # The contract's prices are money: left out for roles that do not see it.
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is None:
            return data
        role = policy.role_for_request(request, instance.organization_id)
        return policy.contract_for_role(data, role)


class ContractAmendSerializer(serializers.Serializer):
    """An amendment: the date it takes effect and what changes (terms replaced when given)."""

    effective_date = serializers.DateField()
    changes = serializers.DictField(required=False, default=dict)
    sla_terms = SLATermSerializer(many=True, required=False)
