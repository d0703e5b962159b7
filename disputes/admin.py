"""Django admin for acknowledgements, disputes and action plans: read-only and scoped.

Every step is written by ``disputes.services`` (pages and API), so the admin shows them and
changes nothing (``vendors.admin.FrozenAdmin``).
"""

from django.contrib import admin

from vendors.admin import FrozenAdmin, FrozenInline

from . import models


@admin.register(models.Acknowledgement)
class AcknowledgementAdmin(FrozenAdmin):
    """Acknowledged scorecard revisions."""

    list_display = ("scorecard", "actor_name", "at")


class DisputeItemInline(FrozenInline):
    """Disputed KPIs."""

    model = models.DisputeItem


class DisputeEventInline(FrozenInline):
    """Steps of a dispute."""

    model = models.DisputeEvent


class DisputeAttachmentInline(FrozenInline):
    """Files of a dispute."""

    model = models.DisputeAttachment


@admin.register(models.Dispute)
class DisputeAdmin(FrozenAdmin):
    """Disputes (opened, answered, accepted or rejected on the pages or the API)."""

    list_display = ("vendor", "period", "status", "opened_by_name", "opened_at")
    list_filter = ("status",)
    inlines = [DisputeItemInline, DisputeEventInline, DisputeAttachmentInline]


@admin.register(models.DisputeItem)
class DisputeItemAdmin(FrozenAdmin):
    """Disputed KPIs."""

    organization_path = "dispute__organization"
    list_display = ("dispute", "kpi_code", "scorecard_value", "disputed_value")


@admin.register(models.DisputeEvent)
class DisputeEventAdmin(FrozenAdmin):
    """Steps of disputes."""

    organization_path = "dispute__organization"
    list_display = ("dispute", "from_status", "to_status", "actor_name", "at")


@admin.register(models.DisputeAttachment)
class DisputeAttachmentAdmin(FrozenAdmin):
    """Files attached to disputes."""

    organization_path = "dispute__organization"
    list_display = ("dispute", "name", "size_bytes", "uploaded_at")


@admin.register(models.ActionPlan)
class ActionPlanAdmin(FrozenAdmin):
    """Action plans submitted for remediation items."""

    list_display = ("item", "submitted_by_name", "submitted_at")
