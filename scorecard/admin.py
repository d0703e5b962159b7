"""Django admin for every judgement-side model."""

from django.contrib import admin

from . import models


class ScorecardKPIInline(admin.TabularInline):
    """KPI rows of a scorecard."""

    model = models.ScorecardKPI
    extra = 0


@admin.register(models.Scorecard)
class ScorecardAdmin(admin.ModelAdmin):
    """Scorecards."""

    list_display = ("vendor", "period", "revision", "is_current", "overall_score", "standing")
    list_filter = ("organization", "is_current", "period")
    inlines = [ScorecardKPIInline]


class RemediationEventInline(admin.TabularInline):
    """History of a remediation item."""

    model = models.RemediationEvent
    extra = 0


@admin.register(models.RemediationItem)
class RemediationItemAdmin(admin.ModelAdmin):
    """Remediation items."""

    list_display = ("vendor", "kpi", "kind", "status", "opened_period", "cure_deadline")
    list_filter = ("status", "kind", "organization")
    inlines = [RemediationEventInline]


@admin.register(models.TerminationRight)
class TerminationRightAdmin(admin.ModelAdmin):
    """Termination rights raised."""

    list_display = ("vendor", "kpi", "periods", "raised_at")


@admin.register(models.Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Emails sent."""

    list_display = ("key", "kind", "subject", "sent_at")


@admin.register(models.Job)
class JobAdmin(admin.ModelAdmin):
    """Background jobs."""

    list_display = ("kind", "key", "status", "progress", "attempts", "created_at")
    list_filter = ("status", "kind")


@admin.register(models.ScorecardKPI)
class ScorecardKPIAdmin(admin.ModelAdmin):
    """KPI rows of scorecards."""

    list_display = ("scorecard", "kpi_code", "value", "status", "points")
    list_filter = ("status",)


@admin.register(models.RemediationEvent)
class RemediationEventAdmin(admin.ModelAdmin):
    """Transitions of remediation items."""

    list_display = ("item", "from_status", "to_status", "actor_name", "at")
