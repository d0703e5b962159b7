"""Django admin for every vendor-side model."""

from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from . import models
from .ingest.headers import normalize
from .services.audit import admin_fields, audit_admin_edit, snapshot

CREATED, UPDATED, DELETED = "created", "updated", "deleted"


def _stored(obj):  # type: ignore[no-untyped-def]
    """The record's fields as stored now (before the admin's save), for the audit trail."""
    fresh = type(obj)._default_manager.filter(pk=obj.pk).first() if obj.pk else None
    return snapshot(fresh, admin_fields(fresh)) if fresh is not None else {}


class AuditedAdmin(admin.ModelAdmin):
    """Admin saves and deletes, inline rows included, leave their row in the audit trail."""

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        before = _stored(obj)
        super().save_model(request, obj, form, change)
        action = UPDATED if before else CREATED
        audit_admin_edit(instance=obj, action=action, before=before, actor=request.user)

    def delete_model(self, request, obj):  # type: ignore[no-untyped-def]
        before = _stored(obj)
        audit_admin_edit(instance=obj, action=DELETED, before=before, actor=request.user)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        for obj in queryset:
            self.delete_model(request, obj)

    def save_formset(self, request, form, formset, change):  # type: ignore[no-untyped-def]
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            audit_admin_edit(instance=obj, action=DELETED, before=_stored(obj), actor=request.user)
            obj.delete()
        for obj in instances:
            before = _stored(obj)
            obj.save()
            action = UPDATED if before else CREATED
            audit_admin_edit(instance=obj, action=action, before=before, actor=request.user)
        formset.save_m2m()


class ColumnAliasForm(forms.ModelForm):
    """Keeps the normalized header (what ingestion matches) in step with the header typed."""

    class Meta:
        model = models.ColumnAlias
        fields = ["vendor", "header", "target", "scale"]

    def clean(self) -> dict:
        data = super().clean() or {}
        self.instance.normalized = normalize(data.get("header", ""))
        return data


@admin.register(models.Organization)
class OrganizationAdmin(AuditedAdmin):
    """Organizations."""

    list_display = ("name", "slug", "created_at")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(models.Membership)
class MembershipAdmin(AuditedAdmin):
    """Who holds which role where."""

    list_display = ("user", "organization", "role")
    list_filter = ("role", "organization")


class ColumnAliasInline(admin.TabularInline):
    """A vendor's own column headers."""

    model = models.ColumnAlias
    form = ColumnAliasForm
    extra = 0


@admin.register(models.Vendor)
class VendorAdmin(AuditedAdmin, SimpleHistoryAdmin):
    """Vendors with their compliance checklist and column aliases."""

    list_display = ("name", "organization", "slug", "baa_expires_on")
    list_filter = ("organization",)
    search_fields = ("name", "slug")
    inlines = [ColumnAliasInline]


@admin.register(models.KPIDefinition)
class KPIDefinitionAdmin(AuditedAdmin):
    """The KPI catalog."""

    list_display = ("code", "name", "unit", "direction", "in_default_template")
    search_fields = ("code", "name")


class SLATermInline(admin.TabularInline):
    """SLA terms of a contract version."""

    model = models.SLATerm
    extra = 0


@admin.register(models.Contract)
class ContractAdmin(AuditedAdmin, SimpleHistoryAdmin):
    """Contract versions."""

    list_display = ("vendor", "version", "start_date", "end_date", "pricing_model")
    list_filter = ("organization", "pricing_model")
    inlines = [SLATermInline]


@admin.register(models.SLATerm)
class SLATermAdmin(AuditedAdmin, SimpleHistoryAdmin):
    """SLA terms."""

    list_display = ("contract", "kpi", "benchmark", "warning", "weight")


@admin.register(models.ColumnAlias)
class ColumnAliasAdmin(AuditedAdmin):
    """Column aliases."""

    form = ColumnAliasForm
    list_display = ("vendor", "header", "target", "scale")


@admin.register(models.ReportUpload)
class ReportUploadAdmin(admin.ModelAdmin):
    """Received files."""

    list_display = ("file_name", "organization", "source", "received_at", "sha256")


class ReportValueInline(admin.TabularInline):
    """Values of a report."""

    model = models.ReportValue
    extra = 0


class ReportFindingInline(admin.TabularInline):
    """Findings of a report."""

    model = models.ReportFinding
    extra = 0


@admin.register(models.Report)
class ReportAdmin(admin.ModelAdmin):
    """Report versions."""

    list_display = ("vendor", "period", "version", "is_current", "received_at")
    list_filter = ("organization", "is_current")
    inlines = [ReportValueInline, ReportFindingInline]


@admin.register(models.DenialBreakdown)
class DenialBreakdownAdmin(admin.ModelAdmin):
    """Denial breakdowns."""

    list_display = ("report", "payer", "denial_reason", "claims_denied", "amount_denied")


@admin.register(models.ReportValue)
class ReportValueAdmin(admin.ModelAdmin):
    """Stated and recomputed values of reports."""

    list_display = ("report", "field", "stated_value", "recomputed_value", "value")
    search_fields = ("field",)


@admin.register(models.ReportFinding)
class ReportFindingAdmin(admin.ModelAdmin):
    """Findings of reports."""

    list_display = ("report", "code", "field", "message")
    list_filter = ("code",)


@admin.register(models.AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit trail: read-only here, as everywhere (the services write it)."""

    list_display = ("at", "actor_name", "action", "record_type", "record_id", "record_label")
    list_filter = ("organization", "record_type", "action")
    search_fields = ("actor_name", "record_label", "reason")

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
