"""API of the denial-work measures: ``denial-work/`` lists (filters ``vendor`` id or slug,
``period``) and retrieves the measures of current denial work logs; read-only.

Every reader of the organization sees them (the values are claim amounts of the vendor's own
log, not fees); a vendor user sees its own vendor's only (``scope_for_user``). Constant queries:
the vendor and the log come with each row (one query a page, plus the count).
"""

from __future__ import annotations

from typing import Any

import django_filters
from rest_framework import mixins, serializers, viewsets

from vendors.api import params
from worklogs import selectors
from worklogs.models import DenialWorkMeasures


class DenialWorkSerializer(serializers.Serializer):
    """One vendor-month's denial-work measures (``worklogs.selectors.measures_payload``).

    Rates are percents 0 to 100 as decimal strings, times in business days, money in integer
    cents, counts as integers; null where there is no denominator. ``units`` names each unit.
    """

    id = serializers.IntegerField()
    vendor = serializers.CharField(help_text="Vendor slug.")
    period = serializers.CharField(help_text="YYYY-MM.")
    log = serializers.IntegerField(help_text="The denial log measured (current version).")
    log_version = serializers.IntegerField()
    computed_at = serializers.DateTimeField()
    milestones = serializers.DictField(help_text="Contract milestones used, business days.")
    denials_received = serializers.IntegerField()
    denials_open_at_end = serializers.IntegerField()
    denials_resolved = serializers.IntegerField()
    first_touch_within_sla_rate = serializers.CharField(allow_null=True)
    first_touch_median_days = serializers.CharField(allow_null=True)
    first_touch_p90_days = serializers.CharField(allow_null=True)
    follow_up_within_sla_rate = serializers.CharField(allow_null=True)
    appeals = serializers.IntegerField()
    appeal_within_deadline_rate = serializers.CharField(allow_null=True)
    resolution_within_sla_rate = serializers.CharField(allow_null=True)
    touches_per_denial = serializers.CharField(allow_null=True)
    rework_rate = serializers.CharField(allow_null=True)
    minutes_per_denial = serializers.CharField(allow_null=True)
    overdue_count = serializers.IntegerField()
    overdue_value_cents = serializers.IntegerField()
    overdue_top_decile_share = serializers.CharField(allow_null=True)
    denied_cents = serializers.IntegerField()
    recovered_cents = serializers.IntegerField()
    recovery_yield_rate = serializers.CharField(allow_null=True)
    overturn_rate = serializers.CharField(allow_null=True)
    ageing = serializers.ListField(child=serializers.DictField())
    backlog_by_payer = serializers.ListField(child=serializers.DictField())
    overdue = serializers.ListField(child=serializers.DictField())
    claim_match = serializers.DictField(allow_null=True)
    units = serializers.DictField(child=serializers.CharField())

    def to_representation(self, instance: DenialWorkMeasures) -> dict[str, Any]:
        return selectors.measures_payload(instance)


class DenialWorkFilter(django_filters.FilterSet):
    """Filters of the denial-work list."""

    vendor = params.VendorRefFilter()
    period = params.PeriodFilter()

    class Meta:
        model = DenialWorkMeasures
        fields = ["vendor", "period"]


class DenialWorkViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Denial-work measures of the current logs, newest period first."""

    serializer_class = DenialWorkSerializer
    filterset_class = DenialWorkFilter

    def get_queryset(self) -> Any:
        return selectors.denial_work_list(user=self.request.user).order_by(
            "-period", "vendor__name", "pk"
        )
