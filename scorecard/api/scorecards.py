"""Scorecards API: list (filters ``vendor``, ``period``), retrieve, and a pricing what-if."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from scorecard import pricing, selectors
from scorecard.models import Scorecard, Status
from scorecard.services.evaluation import pricing_terms
from vendors import periods as bd
from vendors import policy
from vendors import selectors as vendor_selectors
from vendors.api import params as api_params
from vendors.models import PricingModel
from worklogs.selectors import denial_work_payloads

MONEY_NOTE = "Money: present only for roles that may see money (administrators and finance)."


class ProjectedValueSerializer(serializers.Serializer):
    """One projected month of a KPI (the value rounded half up to four decimals)."""

    period = serializers.CharField(help_text="YYYY-MM.")
    value = serializers.CharField()


class ScorecardKPISerializer(serializers.Serializer):
    """One KPI row of a scorecard (numbers as decimal strings; points with two decimals)."""

    kpi = serializers.CharField(help_text="KPI code.")
    name = serializers.CharField()
    unit = serializers.CharField()
    direction = serializers.CharField(help_text="higher or lower is better.")
    value = serializers.CharField(allow_null=True, help_text="The value evaluated.")
    stated_value = serializers.CharField(allow_null=True)
    recomputed_value = serializers.CharField(allow_null=True)
    evidence_value = serializers.CharField(
        allow_null=True, help_text="The value the payers' remittances (835) give; null if none."
    )
    evaluated_from = serializers.ChoiceField(
        choices=["report", "evidence"],
        help_text="evidence when the contract evaluates the remittances' value and they cover "
        "the month.",
    )
    status = serializers.ChoiceField(choices=Status.choices)
    points = serializers.CharField(allow_null=True, help_text="0 to 100.")
    benchmark = serializers.CharField()
    warning = serializers.CharField()
    weight = serializers.CharField()
    previous_value = serializers.CharField(allow_null=True)
    change = serializers.CharField(allow_null=True, help_text="Against the previous period.")
    trailing_3m_average = serializers.CharField(
        allow_null=True, help_text="Average of this and the two previous periods with a value."
    )
    at_risk = serializers.BooleanField(
        help_text="Early warning: meets or watches now, but projected strictly worse than the "
        "warning within three months (a flag beside the status)."
    )
    projected_breach_period = serializers.CharField(
        allow_null=True, help_text="YYYY-MM: the first projected month in breach, when at risk."
    )
    projected_values = ProjectedValueSerializer(
        many=True,
        allow_null=True,
        help_text="The next three months' projected values (least squares over the last six "
        "evaluated months); null with fewer than four values.",
    )


class ScorecardSerializer(serializers.Serializer):
    """A scorecard as issued (``scorecard.selectors.scorecard_payload``); read-only.

    Built from the frozen snapshot only: later edits of the contract never change it.
    """

    id = serializers.IntegerField()
    vendor = serializers.CharField(help_text="Vendor slug.")
    vendor_name = serializers.CharField()
    period = serializers.CharField(help_text="YYYY-MM.")
    revision = serializers.IntegerField()
    issued_at = serializers.DateTimeField()
    overall_score = serializers.CharField(allow_null=True, help_text="0 to 100 points.")
    standing = serializers.CharField()
    kpis = ScorecardKPISerializer(many=True)
    findings = serializers.ListField(child=serializers.DictField())
    evidence = serializers.DictField(
        allow_null=True,
        help_text="The month's evidence KPIs from the payers' remittances (counts, cents, rates "
        "as decimal strings); null when no remittance covers it.",
    )
    report = serializers.DictField(allow_null=True)
    report_late = serializers.BooleanField(help_text="True when received late or missing.")
    report_status = serializers.ChoiceField(
        choices=["on_time", "late", "missing"],
        help_text="on_time, late (received after its due day) or missing (none received).",
    )
    report_due_date = serializers.DateField(allow_null=True)
    currency = serializers.CharField()
    fee = serializers.CharField(allow_null=True, required=False, help_text=MONEY_NOTE)
    credit = serializers.CharField(allow_null=True, required=False, help_text=MONEY_NOTE)
    at_risk_amount = serializers.CharField(allow_null=True, required=False, help_text=MONEY_NOTE)
    effective_rate = serializers.CharField(
        allow_null=True, required=False, help_text="Fee / payments, percent. " + MONEY_NOTE
    )
    cost_per_claim = serializers.CharField(allow_null=True, required=False, help_text=MONEY_NOTE)
    payments = serializers.CharField(allow_null=True)
    claims_submitted = serializers.CharField(allow_null=True)
    contract = serializers.DictField(
        help_text="The contract terms in force, frozen; its prices only for roles that see money."
    )
    remediations = serializers.ListField(child=serializers.DictField())
    termination_rights = serializers.ListField(child=serializers.DictField())
    rescoring = serializers.BooleanField(
        help_text="Re-scoring... : an input changed and the vendor's scorecards are being "
        "re-issued; a newer revision may follow."
    )
    denial_work = serializers.DictField(
        allow_null=True,
        required=False,
        help_text="The vendor-month's denial-work measures (as denial-work/ gives them, with "
        "their units), or null when no denial work log covers the month.",
    )

    def to_representation(self, instance: Scorecard) -> dict[str, Any]:
        pending = self.context.get("rescoring_vendor_ids")
        if pending is None:
            pending = vendor_selectors.rescoring_vendor_ids()
        batch = self.context.get("denial_work_of")
        payload = selectors.scorecard_payload(
            instance,
            rescoring=instance.vendor_id in pending,
            **(
                {}
                if batch is None
                else {"denial_work": batch.get((instance.vendor_id, instance.period))}
            ),
        )
        request = self.context.get("request")
        org_id = instance.organization_id
        role = None if request is None else policy.role_for_request(request, org_id)
        out = policy.scorecard_for_role(payload, role)
        return out


PRICING_PARAMS = [
    "percent_of_collections",
    "fee_per_claim",
    "flat_monthly_fee",
    "monthly_minimum",
    "monthly_maximum",
]


def _decimal(text: str | None, name: str) -> Decimal | None:
    if text in (None, ""):
        return None
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise ValidationError({name: f"{name} must be a number; got {text!r}."}) from exc


def _what_if_row(
    terms: pricing.PricingTerms, payments: Decimal | None, claims: Decimal | None
) -> dict[str, Any]:
    result = pricing.what_if(terms, payments=payments, claims_submitted=claims)
    return {
        "pricing_model": terms.pricing_model,
        **{p: selectors.number(getattr(terms, p)) for p in PRICING_PARAMS},
        "fee": selectors.fixed2(None if result.fee is None else pricing.to_cents(result.fee)),
        "effective_rate": selectors.number(
            None
            if result.effective_rate is None
            else result.effective_rate.quantize(Decimal("0.0001"))
        ),
        "cost_per_claim": selectors.number(
            None
            if result.cost_per_claim is None
            else result.cost_per_claim.quantize(Decimal("0.0001"))
        ),
    }


class ScorecardFilter(django_filters.FilterSet):
    """Filters of the scorecard list (``all_revisions`` is read by the view's queryset)."""

    vendor = api_params.VendorRefFilter()
    vendor_slug = api_params.SlugFilter(field_name="vendor__slug")
    period = api_params.PeriodFilter()
    all_revisions = api_params.StrictBooleanFilter(
        method="keep", help_text="Include superseded revisions."
    )

    class Meta:
        model = Scorecard
        fields = ["vendor", "vendor_slug", "period", "all_revisions"]

    def keep(self, qs: QuerySet[Scorecard], name: str, value: Any) -> QuerySet[Scorecard]:
        """Validated here and documented; the queryset already applied it."""
        return qs


class ScorecardViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Scorecards of the user's organizations: current revisions, or every revision on request."""

    serializer_class = ScorecardSerializer
    filterset_class = ScorecardFilter

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Current scorecards, newest period first."""
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        cards = list(page if page is not None else queryset)
        context = self.get_serializer_context()
        # the page's denial-work measures in one query, as the detail gives them
        context["denial_work_of"] = denial_work_payloads((c.vendor_id, c.period) for c in cards)
        data = self.get_serializer_class()(cards, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        if self.action in ("list", "retrieve"):
            # One query a request, whatever the page holds.
            context["rescoring_vendor_ids"] = vendor_selectors.rescoring_vendor_ids()
        return context

    def get_queryset(self) -> QuerySet[Scorecard]:
        every = api_params.strict_bool(
            "all_revisions", self.request.query_params.get("all_revisions")
        )
        return selectors.scorecard_list(
            user=self.request.user, current_only=self.action == "list" and not every
        )

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "pricing_model",
                str,
                enum=PricingModel.values,
                description="Price this period under these terms instead.",
            ),
            *[OpenApiParameter(p, api_params.DECIMAL_SCHEMA) for p in PRICING_PARAMS],
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=True, methods=["get"], url_path="what-if")
    def what_if(self, request: Request, pk: str | None = None) -> Response:
        """The vendor's period fee under other pricing terms: the organization's other contracts
        in force that period, or the terms given as query parameters. Money: administrators and
        finance only (403 for other members)."""
        card = self.get_object()
        role = policy.role_for_request(request, card.organization_id)
        if not policy.can(role, policy.Capability.SEE_MONEY):
            money_roles = sorted(policy.roles_with(policy.Capability.SEE_MONEY))
            raise PermissionDenied(
                f"The what-if shows fees, and your role ({role}) does not see money; "
                f"it needs one of the roles {money_roles}."
            )
        snap = card.snapshot or {}
        payments = _decimal(snap.get("payments"), "payments")
        claims = _decimal(snap.get("claims_submitted"), "claims_submitted")
        params = request.query_params
        if params.get("pricing_model"):
            model = params["pricing_model"]
            if model not in PricingModel.values:
                raise ValidationError(
                    {"pricing_model": f"Pricing model must be one of {PricingModel.values}."}
                )
            terms = pricing.PricingTerms(
                pricing_model=model,
                **{p: api_params.decimal_param(p, params.get(p)) for p in PRICING_PARAMS},
            )
            alternatives = [
                {"vendor": None, "contract": None, **_what_if_row(terms, payments, claims)}
            ]
        else:
            contracts = vendor_selectors.contracts_for_period(
                period_start=bd.period_start(card.period), period_end=bd.period_end(card.period)
            ).filter(organization_id=card.organization_id)
            alternatives = [
                {
                    "vendor": c.vendor.slug,
                    "contract": c.pk,
                    **_what_if_row(pricing_terms(c), payments, claims),
                }
                for c in contracts
                if c.vendor_id != card.vendor_id
            ]
        return Response(
            {
                "scorecard": card.pk,
                "vendor": (snap.get("vendor") or {}).get("slug"),
                "period": card.period,
                "payments": snap.get("payments"),
                "claims_submitted": snap.get("claims_submitted"),
                "fee": selectors.fixed2(card.fee),
                "alternatives": alternatives,
            }
        )
