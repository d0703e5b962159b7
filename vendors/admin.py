"""Django admin for every vendor-side model: a checked write path, scoped by the role policy.

Who sees what is ``vendors.policy``'s answer: installation staff (superusers) every organization;
an organization's administrators (``is_staff``, to reach the admin) their own organizations'
records; nobody else anything. Every save calls the service the pages and the API call (same
validation, same history); a refusal shows on the form and nothing is stored. Frozen records
(stored reports, and on the scorecard side issued scorecards, remediation history, jobs) are
read-only: no add, change or delete.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from . import models, policy, services
from .services import aliases as alias_services
from .services import holidays as holiday_services


def _refusal_errors(refused: ValidationError) -> dict[str | None, list[str]]:
    """A service's refusal as messages by form field (None: the form as a whole)."""
    if hasattr(refused, "error_dict"):
        return {
            None if field == NON_FIELD_ERRORS else field: list(messages)
            for field, messages in refused.message_dict.items()
        }
    return {None: list(refused.messages)}


class PolicyAdmin(admin.ModelAdmin):
    """An admin scoped to the organizations the user manages; read-only when ``frozen``.

    ``organization_path`` is the lookup from the model to its organization (``None`` for data
    shared by every organization, such as the KPI catalog: read by organization administrators,
    written by installation staff only).
    """

    organization_path: str | None = "organization"
    frozen = False

    def _organization_ids(self, request: HttpRequest) -> list[int]:
        cached = getattr(request, "_admin_organization_ids", None)
        if cached is None:
            cached = policy.admin_organization_ids(request.user)
            request._admin_organization_ids = cached  # type: ignore[attr-defined]
        return cached

    def _staff(self, request: HttpRequest) -> bool:
        return policy.is_installation_staff(request.user)

    def _may_enter(self, request: HttpRequest) -> bool:
        return self._staff(request) or bool(self._organization_ids(request))

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if self._staff(request) or self.organization_path is None:
            return queryset if self._may_enter(request) else queryset.none()
        return queryset.filter(
            **{f"{self.organization_path}__in": self._organization_ids(request)}
        ).distinct()

    def _in_scope(self, request: HttpRequest, obj: Model | None) -> bool:
        if obj is None or obj.pk is None:
            return True
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._may_enter(request)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._may_enter(request) and self._in_scope(request, obj)

    def _may_write(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if self.frozen or not self.has_view_permission(request, obj):
            return False
        return self._staff(request) or self.organization_path is not None

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self._may_write(request)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._may_write(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # Nothing is deleted unless a service does it (``service_delete``).
        deletes = type(self).service_delete is not PolicyAdmin.service_delete
        return deletes and self._may_write(request, obj)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        # Choices are the user's own organizations' records, never another organization's.
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if self._staff(request) or field is None:
            return field
        ids = self._organization_ids(request)
        paths = {
            models.Organization: "pk",
            models.Vendor: "organization",
            models.Contract: "organization",
        }
        path = paths.get(db_field.related_model)
        choices = field.queryset
        if choices is None:
            return field
        if path is not None:
            field.queryset = choices.filter(**{f"{path}__in": ids})
        elif db_field.related_model is models.Membership.user.field.related_model:
            field.queryset = choices.filter(memberships__organization__in=ids).distinct()
        return field

    # --- Saves through the services ---------------------------------------------------------
    def service_save(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> Model:
        """Write through the service; return the saved record."""
        raise PermissionDenied("This record is written by its service only.")

    def service_delete(self, request: HttpRequest, obj: Any) -> None:
        """Delete through the service (admins without one cannot delete)."""
        raise PermissionDenied("This record is not deleted.")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        saved = self.service_save(request, obj, form, change)
        obj.pk = saved.pk
        obj._state.adding = False

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Inlines are read-only; the service saved everything there is to save."""
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self.service_delete(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self.service_delete(request, obj)

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            with transaction.atomic():
                return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as refused:
            # Nothing was stored (the transaction rolled back); show the form again with the
            # service's messages on their fields.
            request._service_refusal = _refusal_errors(refused)  # type: ignore[attr-defined]
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):  # type: ignore[no-untyped-def]
        form = super().get_form(request, obj, change=change, **kwargs)
        found: dict[str | None, list[str]] | None = getattr(request, "_service_refusal", None)
        if found is None:
            return form
        refusal = found

        class Refused(form):  # type: ignore[misc,valid-type]
            def clean(self) -> dict[str, Any]:
                data = super().clean() or {}
                for field, texts in refusal.items():
                    target = field if field in self.fields else None
                    for message in texts:
                        shown = message if target or field is None else f"{field}: {message}"
                        self.add_error(target, shown)
                return data

        return Refused


class PolicyHistoryAdmin(PolicyAdmin, SimpleHistoryAdmin):
    """A scoped admin with its record's history; history is read, never reverted here."""

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None
    ) -> HttpResponse:
        if request.method == "POST":
            raise PermissionDenied("Reverting bypasses the services; edit the record instead.")
        return super().history_form_view(request, object_id, version_id, extra_context)

    def has_change_history_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class FrozenAdmin(PolicyAdmin):
    """Records that are never edited by hand: read-only for everyone."""

    frozen = True


class FrozenInline(admin.TabularInline):
    """Rows shown with their parent, read-only."""

    extra = 0
    can_delete = False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is not None  # shown on the parent's page, which the parent's admin scopes

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _changed(form: Any, names: Any) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in form.changed_data if name in names}


# --- Organizations and members -----------------------------------------------------------------
@admin.register(models.Organization)
class OrganizationAdmin(PolicyAdmin):
    """Organizations: installation staff create them (``organization_create``); names are kept."""

    organization_path = "pk"
    list_display = ("name", "slug", "created_at")
    fields = ("name", "slug")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self._staff(request)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # no service renames an organization

    def service_save(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> Model:
        data = form.cleaned_data
        return services.organization_create(name=data["name"], slug=data.get("slug") or None)


@admin.register(models.Membership)
class MembershipAdmin(PolicyAdmin):
    """Who holds which role where (``membership_set``); on change only the role changes."""

    list_display = ("user", "organization", "role", "vendor")
    list_filter = ("role", ("organization", admin.RelatedOnlyFieldListFilter))
    fields = ("user", "organization", "role", "vendor")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("user", "organization") if obj is not None else ()

    def service_save(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> Model:
        return services.membership_set(
            user=obj.user,
            organization=obj.organization,
            role=form.cleaned_data["role"],
            vendor=form.cleaned_data.get("vendor"),
        )

    def service_delete(self, request: HttpRequest, obj: Any) -> None:
        services.membership_remove(membership=obj)

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        try:
            with transaction.atomic():
                return super().delete_view(request, object_id, extra_context)
        except ValidationError as refused:
            # The service's refusal as a message on the record's page; nothing was deleted.
            self.message_user(request, " ".join(refused.messages), level=messages.ERROR)
            return HttpResponseRedirect(
                reverse("admin:vendors_membership_change", args=[object_id])
            )


class UserAddForm(AdminUserCreationForm):
    """A new login and its first membership, as ``user_create`` makes them."""

    email = forms.EmailField(required=False)
    organization = forms.ModelChoiceField(queryset=models.Organization.objects.all())
    role = forms.ChoiceField(choices=models.Role.choices)


class UserAdmin(PolicyAdmin, DjangoUserAdmin):
    """Logins: installation staff only (``user_create``, ``user_update``,
    ``user_admin_access_set``). Roles are memberships; Django's groups and permissions are not
    used (the role policy decides), and a login is deactivated, never deleted."""

    organization_path = None
    add_form = UserAddForm
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "password1", "password2", "email", "organization", "role"),
            },
        ),
    )
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser")}),
    )
    list_filter = ("is_staff", "is_superuser", "is_active")
    readonly_fields = ()

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("username",) if obj is not None else ()

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._staff(request)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._staff(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self._staff(request)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._staff(request)

    def service_save(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> Model:
        data = form.cleaned_data
        if not change:
            return services.user_create(
                username=data["username"],
                password=data["password1"],
                email=data.get("email") or "",
                organization=data["organization"],
                role=data["role"],
            )
        user = type(obj).objects.get(pk=obj.pk)
        services.user_update(user=user, **_changed(form, services.USER_FIELDS))
        if {"is_staff", "is_superuser"} & set(form.changed_data):
            services.user_admin_access_set(
                user=user, is_staff=data["is_staff"], is_superuser=data["is_superuser"]
            )
        return user


# Django registers its own user admin, which writes users directly; this one replaces it.
if admin.site.is_registered(get_user_model()):
    admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), UserAdmin)


# --- Vendors and their column aliases ---------------------------------------------------------
class ColumnAliasInline(FrozenInline):
    """A vendor's own column headers (edited on their own page, through the alias service)."""

    model = models.ColumnAlias
    fields = ("header", "target", "scale")


@admin.register(models.Vendor)
class VendorAdmin(PolicyHistoryAdmin):
    """Vendors with their compliance checklist (``vendor_create``, ``vendor_update``)."""

    list_display = ("name", "organization", "slug", "baa_expires_on")
    list_filter = (("organization", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("name", "slug")
    inlines = [ColumnAliasInline]
    exclude = ("created_at",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("organization",) if obj is not None else ()

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):  # type: ignore[no-untyped-def]
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None and "slug" in form.base_fields:
            form.base_fields["slug"].required = False  # vendor_create slugifies the name
            form.base_fields["slug"].help_text = "Left blank: made from the name."
        return form

    def service_save(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> Model:
        names = services.VENDOR_FIELDS | {"name"}
        if change:
            vendor = models.Vendor.objects.get(pk=obj.pk)
            return services.vendor_update(vendor=vendor, **_changed(form, names))
        data = {
            k: v
            for k, v in form.cleaned_data.items()
            if k in services.VENDOR_FIELDS and k != "name"
        }
        if not data.get("slug"):
            data.pop("slug", None)
        return services.vendor_create(
            organization=form.cleaned_data["organization"], name=form.cleaned_data["name"], **data
        )


@admin.register(models.ColumnAlias)
class ColumnAliasAdmin(PolicyAdmin):
    """Column aliases (``column_alias_create``, ``_update``, ``_delete``)."""

    organization_path = "vendor__organization"
    list_display = ("vendor", "header", "target", "scale")
    fields = ("vendor", "header", "target", "scale")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("vendor",) if obj is not None else ()

    def service_save(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> Model:
        data = form.cleaned_data
        if change:
            alias = models.ColumnAlias.objects.get(pk=obj.pk)
            return alias_services.column_alias_update(
                alias=alias, header=data["header"], target=data["target"], scale=data["scale"]
            )
        return alias_services.column_alias_create(
            vendor=data["vendor"], header=data["header"], target=data["target"], scale=data["scale"]
        )

    def service_delete(self, request: HttpRequest, obj: Any) -> None:
        alias_services.column_alias_delete(alias=obj)


# --- The KPI catalog ---------------------------------------------------------------------------
@admin.register(models.KPIDefinition)
class KPIDefinitionAdmin(PolicyAdmin):
    """The KPI catalog, shared by every organization: installation staff add KPIs (``kpi_create``);
    definitions are not edited in place (issued scorecards froze the ones they used)."""

    organization_path = None
    list_display = ("code", "name", "unit", "direction", "in_default_template")
    search_fields = ("code", "name")
    fields = (
        "code",
        "name",
        "unit",
        "direction",
        "formula",
        "volume_field",
        "source",
        "description",
        "aliases",
    )

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def service_save(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> Model:
        return services.kpi_create(**{name: form.cleaned_data[name] for name in self.fields})


# --- Contracts and SLA terms -------------------------------------------------------------------
class SLATermInline(FrozenInline):
    """SLA terms of a contract version (edited on their own page, through ``contract_update``)."""

    model = models.SLATerm
    fields = ("kpi", "benchmark", "warning", "weight", "minimum_volume")


@admin.register(models.Contract)
class ContractAdmin(PolicyHistoryAdmin):
    """Contract versions (``contract_create``, ``contract_update``); SLA terms default to the
    template. A change from a date is an amendment: the contract pages and API make those."""

    list_display = ("vendor", "version", "start_date", "end_date", "pricing_model")
    list_filter = (("organization", admin.RelatedOnlyFieldListFilter), "pricing_model")
    inlines = [SLATermInline]
    fields = ("vendor", *services.CONTRACT_FIELDS)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("vendor",) if obj is not None else ()

    def service_save(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> Model:
        if change:
            contract = models.Contract.objects.get(pk=obj.pk)
            return services.contract_update(
                contract=contract, **_changed(form, services.CONTRACT_FIELDS)
            )
        data = {k: v for k, v in form.cleaned_data.items() if k in services.CONTRACT_FIELDS}
        vendor = form.cleaned_data["vendor"]
        return services.contract_create(organization=vendor.organization, vendor=vendor, **data)


@admin.register(models.SLATerm)
class SLATermAdmin(PolicyHistoryAdmin):
    """One SLA term of a contract version, changed through ``sla_term_update`` (the same
    validation, audit and re-scoring as the pages and the API); terms are added with their
    contract, never alone."""

    organization_path = "contract__organization"
    list_display = ("contract", "kpi", "benchmark", "warning", "weight")
    fields = ("contract", "kpi", "benchmark", "warning", "weight", "minimum_volume")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("contract", "kpi") if obj is not None else ()

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def service_save(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> Model:
        changed = {n: form.cleaned_data[n] for n in services.SLA_TERM_FIELDS}
        return services.sla_term_update(term=models.SLATerm.objects.get(pk=obj.pk), **changed)


# --- Stored reports: frozen ------------------------------------------------------------------
@admin.register(models.ReportUpload)
class ReportUploadAdmin(FrozenAdmin):
    """Received files."""

    list_display = ("file_name", "organization", "source", "received_at", "sha256")


class ReportValueInline(FrozenInline):
    """Values of a report."""

    model = models.ReportValue


class ReportFindingInline(FrozenInline):
    """Findings of a report."""

    model = models.ReportFinding


@admin.register(models.Report)
class ReportAdmin(FrozenAdmin):
    """Report versions."""

    list_display = ("vendor", "period", "version", "is_current", "received_at")
    list_filter = (("organization", admin.RelatedOnlyFieldListFilter), "is_current")
    inlines = [ReportValueInline, ReportFindingInline]


@admin.register(models.DenialBreakdown)
class DenialBreakdownAdmin(FrozenAdmin):
    """Denial breakdowns."""

    organization_path = "report__organization"
    list_display = ("report", "payer", "denial_reason", "claims_denied", "amount_denied")


@admin.register(models.ReportValue)
class ReportValueAdmin(FrozenAdmin):
    """Stated and recomputed values of reports."""

    organization_path = "report__organization"
    list_display = ("report", "field", "stated_value", "recomputed_value", "value")
    search_fields = ("field",)


@admin.register(models.ReportFinding)
class ReportFindingAdmin(FrozenAdmin):
    """Findings of reports."""

    organization_path = "report__organization"
    list_display = ("report", "code", "field", "message")
    list_filter = ("code",)


@admin.register(models.Holiday)
class HolidayAdmin(PolicyHistoryAdmin):
    """An organization's holidays; saved through the holiday services, so a change re-scores."""

    list_display = ("organization", "date", "name")
    list_filter = (("organization", admin.RelatedOnlyFieldListFilter),)
    fields = ("organization", "date", "name")

    def service_save(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> Model:
        if change:  # a date moved: the old one is removed, the new one added
            old = models.Holiday.objects.get(pk=obj.pk)
            holiday_services.holiday_remove(organization=old.organization, date=old.date)
        return holiday_services.holiday_add(
            organization=obj.organization, date=obj.date, name=obj.name
        )

    def service_delete(self, request: HttpRequest, obj: Any) -> None:
        holiday_services.holiday_remove(organization=obj.organization, date=obj.date)


@admin.register(models.PendingRescore)
class PendingRescoreAdmin(FrozenAdmin):
    """Re-scoring still pending (read-only: the re-scoring task deletes what it did)."""

    list_display = ("vendor", "from_period", "reason", "created_at")


@admin.register(models.AuditEvent)
class AuditEventAdmin(FrozenAdmin):
    """The audit trail: read-only here, as everywhere (the services write it)."""

    list_display = ("at", "actor_name", "action", "record_type", "record_id", "record_label")
    list_filter = (("organization", admin.RelatedOnlyFieldListFilter), "record_type", "action")
    search_fields = ("actor_name", "record_label", "reason")


@admin.register(models.VendorInvitation)
class VendorInvitationAdmin(FrozenAdmin):
    """Invitations of vendor users (made on the manage page, ``invitation_create``)."""

    list_display = ("email", "vendor", "organization", "created_at", "accepted_at")
    list_filter = (("organization", admin.RelatedOnlyFieldListFilter),)
