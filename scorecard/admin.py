"""Django admin for every judgement-side model: frozen records, read-only and scoped.

Issued scorecards and their KPI rows, remediation items and their history, termination rights,
notifications (e-mails and in-app), e-mail preferences and jobs are written by evaluation, the
remediation and notification services and the job machinery only, so the admin shows them and
changes nothing. Scoping is the role policy's, as on the
vendor side (``vendors.admin.PolicyAdmin``).
"""

from django.contrib import admin

from vendors.admin import FrozenAdmin, FrozenInline

from . import models

BY_ORGANIZATION = ("organization", admin.RelatedOnlyFieldListFilter)


class ScorecardKPIInline(FrozenInline):
    """KPI rows of a scorecard."""

    model = models.ScorecardKPI


@admin.register(models.Scorecard)
class ScorecardAdmin(FrozenAdmin):
    """Issued scorecards (a new input makes a new revision; none is edited)."""

    list_display = ("vendor", "period", "revision", "is_current", "overall_score", "standing")
    list_filter = (BY_ORGANIZATION, "is_current", "period")
    inlines = [ScorecardKPIInline]


class RemediationEventInline(FrozenInline):
    """History of a remediation item."""

    model = models.RemediationEvent


@admin.register(models.RemediationItem)
class RemediationItemAdmin(FrozenAdmin):
    """Remediation items (moved or waived with a reason on the remediation board or the API)."""

    list_display = ("vendor", "kpi", "kind", "status", "opened_period", "cure_deadline")
    list_filter = ("status", "kind", BY_ORGANIZATION)
    inlines = [RemediationEventInline]


@admin.register(models.TerminationRight)
class TerminationRightAdmin(FrozenAdmin):
    """Termination rights raised."""

    list_display = ("vendor", "kpi", "periods", "raised_at")


@admin.register(models.Notification)
class NotificationAdmin(FrozenAdmin):
    """Emails sent."""

    list_display = ("key", "kind", "subject", "sent_at")


@admin.register(models.InAppNotification)
class InAppNotificationAdmin(FrozenAdmin):
    """In-app notifications (written by ``notify``; read or not by their recipient only)."""

    list_display = ("recipient", "kind", "text", "created", "read_at")
    list_filter = ("kind", BY_ORGANIZATION)


@admin.register(models.NotificationPreference)
class NotificationPreferenceAdmin(FrozenAdmin):
    """Who receives which kind by e-mail (each person sets theirs at /account/notifications/)."""

    organization_path = "user__memberships__organization"
    list_display = ("user", "kind", "by_email")


@admin.register(models.Job)
class JobAdmin(FrozenAdmin):
    """Background jobs and the files they stored."""

    list_display = ("kind", "variant", "key", "status", "progress", "attempts", "created_at")
    list_filter = ("status", "kind", "variant")


@admin.register(models.ScorecardKPI)
class ScorecardKPIAdmin(FrozenAdmin):
    """KPI rows of scorecards."""

    organization_path = "scorecard__organization"
    list_display = ("scorecard", "kpi_code", "value", "status", "points")
    list_filter = ("status",)


@admin.register(models.RemediationEvent)
class RemediationEventAdmin(FrozenAdmin):
    """Transitions of remediation items."""

    organization_path = "item__organization"
    list_display = ("item", "from_status", "to_status", "actor_name", "at")
