"""Django admin of the payers' evidence: stored remittances are read-only (FrozenAdmin); payee
mappings are data, saved through ``remittances.services.payees``."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpRequest

from remittances import models
from remittances.services import carcs, payees
from vendors.admin import FrozenAdmin, FrozenInline, PolicyAdmin


@admin.register(models.RemittanceFile)
class RemittanceFileAdmin(FrozenAdmin):
    """Received 835 files."""

    list_display = (
        "file_name",
        "organization",
        "payer_name",
        "claim_count",
        "payment_date_min",
        "received_at",
    )
    list_filter = (("organization", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("file_name", "sha256", "payer_name")


class ServiceLineInline(FrozenInline):
    """Service lines of a claim payment."""

    model = models.ServiceLine


class ClaimAdjustmentInline(FrozenInline):
    """Adjustments of a claim payment (claim and line level)."""

    model = models.ClaimAdjustment


@admin.register(models.ClaimPayment)
class ClaimPaymentAdmin(FrozenAdmin):
    """Claim payments (loop 2100)."""

    list_display = (
        "patient_control_number",
        "vendor",
        "period",
        "payer_name",
        "status_code",
        "charge_cents",
        "payment_cents",
    )
    list_filter = (("organization", admin.RelatedOnlyFieldListFilter), "status_code")
    search_fields = ("patient_control_number", "payer_claim_control_number")
    inlines = [ServiceLineInline, ClaimAdjustmentInline]


@admin.register(models.ServiceLine)
class ServiceLineAdmin(FrozenAdmin):
    """Service lines (loop 2110)."""

    organization_path = "claim__organization"
    list_display = ("claim", "line_number", "procedure_code", "charge_cents", "payment_cents")


@admin.register(models.ClaimAdjustment)
class ClaimAdjustmentAdmin(FrozenAdmin):
    """Adjustments (CAS)."""

    organization_path = "claim__organization"
    list_display = ("claim", "line", "group_code", "carc", "amount_cents")
    list_filter = ("group_code",)


@admin.register(models.PayeeMapping)
class PayeeMappingAdmin(PolicyAdmin):
    """Payee mappings (``payee_mapping_create``, ``payee_mapping_update``)."""

    list_display = ("payee_name", "id_qualifier", "payee_id", "vendor", "organization")
    list_filter = (("organization", admin.RelatedOnlyFieldListFilter),)
    fields = ("organization", "id_qualifier", "payee_id", "payee_name", "vendor")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("organization",) if obj is not None else ()

    def service_save(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> Model:
        data = {k: form.cleaned_data[k] for k in payees.PAYEE_FIELDS if k in form.cleaned_data}
        if change:
            mapping = models.PayeeMapping.objects.get(pk=obj.pk)
            return payees.payee_mapping_update(mapping=mapping, **data)
        return payees.payee_mapping_create(organization=form.cleaned_data["organization"], **data)


@admin.register(models.CarcRule)
class CarcRuleAdmin(PolicyAdmin):
    """The organization's CARC rows (``carc_rule_create``, ``carc_rule_update``); the shipped
    defaults (no organization) are read-only, shown to installation staff."""

    list_display = ("carc", "group_code", "category", "responsible_party", "organization")
    list_filter = ("category", "responsible_party")
    search_fields = ("carc", "description")
    fields = ("organization", "carc", "group_code", "category", "responsible_party", "description")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("organization",) if obj is not None else ()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.organization_id is None:
            return False
        return super().has_change_permission(request, obj)

    def service_save(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> Model:
        data = {k: form.cleaned_data[k] for k in carcs.CARC_FIELDS if k in form.cleaned_data}
        if change:
            rule = models.CarcRule.objects.get(pk=obj.pk)
            return carcs.carc_rule_update(rule=rule, **data)
        organization = form.cleaned_data.get("organization")
        if organization is None:
            raise ValidationError({"organization": "Choose the organization the row is for."})
        return carcs.carc_rule_create(organization=organization, **data)
