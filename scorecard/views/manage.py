"""Administration pages: vendors, contracts and users, through the vendor services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from scorecard.forms import (
    AmendForm,
    ContractForm,
    InvitationForm,
    RoleForm,
    SLATermsForm,
    UserForm,
    VendorForm,
)
from vendors import selectors as vendor_selectors
from vendors import services
from vendors.models import Contract, Membership, Vendor
from vendors.services import invitations

from .base import ADMIN, get_scoped, page, render_page, scoped


def _refused(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's refusal on the form, by field where the form has that field."""
    if hasattr(exc, "message_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _service_form(
    request: HttpRequest,
    form: forms.Form,
    *,
    save: Callable[[dict[str, Any]], Any],
    done: Callable[[Any], tuple[str, Vendor | Any]],
    title: str,
    back: Any = None,
    template: str = "scorecard/form_page.html",
) -> HttpResponse:
    """A form page whose valid POST calls one service: refusals go back on the form (400);
    success says ``done(result)``'s message and returns to the vendor it names."""
    if request.method == "POST" and form.is_valid():
        try:
            result = save(form.service_fields())  # type: ignore[attr-defined]
        except ValidationError as exc:
            _refused(form, exc)
        else:
            message, vendor_pk = done(result)
            messages.success(request, message)
            return redirect("vendor-detail", pk=vendor_pk)
    context: dict[str, Any] = {"form": form, "title": title}
    if back is not None:
        context["back"] = back
    return render_page(
        request,
        template,
        context,
        status=400 if request.method == "POST" else 200,
    )


@page(ADMIN)
def manage(request: HttpRequest) -> HttpResponse:
    """The organization's vendors and members, with a form to add a login."""
    org = request.seat.organization  # type: ignore[attr-defined]
    form = UserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.user_create(
                username=data["username"],
                password=data["password"],
                email=data["email"],
                organization=org,
                role=data["role"],
            )
        except ValidationError as exc:
            _refused(form, exc)
        else:
            messages.success(request, f"Login {data['username']} created.")
            return redirect("manage")
    members = (
        Membership.objects.filter(organization=org)
        .select_related("user", "vendor")
        .order_by("user__username")
    )
    return render_page(
        request,
        "scorecard/manage.html",
        {
            "form": form,
            "members": members,
            "vendors": scoped(request, Vendor.objects.all()).order_by("name"),
            "role_form": RoleForm(),
            "invite_form": InvitationForm(
                vendors=scoped(request, Vendor.objects.all()).order_by("name")
            ),
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@page(ADMIN)
def vendor_invite(request: HttpRequest) -> HttpResponse:
    """Invite a vendor user: the link goes by e-mail and is shown here once."""
    vendors = scoped(request, Vendor.objects.all()).order_by("name")
    form = InvitationForm(request.POST, vendors=vendors)
    if not form.is_valid():
        for name, errors in form.errors.items():
            messages.error(
                request, f"Invitation not sent: {name}: {' '.join(str(e) for e in errors)}"
            )
        return redirect("manage")
    invitation, token = invitations.invitation_create(
        organization=request.seat.organization,  # type: ignore[attr-defined]
        vendor=form.cleaned_data["vendor"],
        email=form.cleaned_data["email"],
        invited_by=request.user,
    )
    link = request.build_absolute_uri(reverse("invitation-accept", args=[token]))
    invitations.invitation_send(invitation=invitation, link=link)
    messages.success(
        request,
        f"Invitation sent to {invitation.email} for {invitation.vendor.name}; its link: {link}",
    )
    return redirect("manage")


@require_POST
@page(ADMIN)
def member_role(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a member's role in the current organization."""
    membership = get_scoped(request, Membership.objects.select_related("user"), pk=pk)
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            services.membership_set(
                user=membership.user,
                organization=membership.organization,
                role=form.cleaned_data["role"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, f"{membership.user.get_username()} is now {form.cleaned_data['role']}."
            )
    else:
        messages.error(request, "Choose a role.")
    return redirect("manage")


def _vendor_initial(vendor: Vendor) -> dict[str, Any]:
    initial = {f: getattr(vendor, f) for f in VendorForm.base_fields if hasattr(vendor, f)}
    initial["specialties"] = ", ".join(vendor.specialties or [])
    initial["integrations"] = ", ".join(vendor.integrations or [])
    return initial


@page(ADMIN)
def vendor_create(request: HttpRequest) -> HttpResponse:
    """Add a vendor."""
    organization = request.seat.organization  # type: ignore[attr-defined]
    return _service_form(
        request,
        VendorForm(request.POST or None),
        save=lambda fields: services.vendor_create(organization=organization, **fields),
        done=lambda vendor: (f"Vendor {vendor.name} added.", vendor.pk),
        title="Add a vendor",
    )


@page(ADMIN)
def vendor_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a vendor's profile and compliance fields."""
    vendor = get_scoped(request, Vendor.objects.all(), pk=pk)
    return _service_form(
        request,
        VendorForm(request.POST or None, initial=_vendor_initial(vendor)),
        save=lambda fields: services.vendor_update(vendor=vendor, **fields),
        done=lambda saved: (f"Vendor {saved.name} saved.", saved.pk),
        title=f"Edit {vendor.name}",
        back=vendor,
    )


@page(ADMIN)
def contract_create(request: HttpRequest, pk: int) -> HttpResponse:
    """A new contract (agreement) for a vendor, with or without earlier ones, on the default
    SLA template."""
    vendor = get_scoped(request, Vendor.objects.all(), pk=pk)
    return _service_form(
        request,
        ContractForm(request.POST or None),
        save=lambda fields: services.contract_create(
            organization=vendor.organization, vendor=vendor, **fields
        ),
        done=lambda contract: (
            f"Contract {contract.agreement} created, in force from {contract.start_date}.",
            vendor.pk,
        ),
        title=f"New contract with {vendor.name}",
        back=vendor,
        template="scorecard/contract_form.html",
    )


@page(ADMIN)
def contract_amend(request: HttpRequest, pk: int) -> HttpResponse:
    """Amend a contract from a date: a new version with the changed pricing."""
    contract = get_scoped(request, Contract.objects.select_related("vendor"), pk=pk)
    initial = {f: getattr(contract, f) for f in ContractForm.base_fields}
    initial["start_date"] = None

    def save(fields: dict[str, Any]) -> Any:
        effective = fields.pop("start_date")
        return services.contract_amend(contract=contract, effective_date=effective, **fields)

    return _service_form(
        request,
        AmendForm(request.POST or None, initial=initial),
        save=save,
        done=lambda new: (
            f"Contract {new.agreement} version {new.version} takes effect {new.start_date}.",
            contract.vendor_id,
        ),
        title=f"Amend {contract}",
        back=contract.vendor,
        template="scorecard/contract_form.html",
    )


def _terms_save(contract: Contract, terms: list[Any], form: SLATermsForm) -> str:
    """Write the posted terms through the services the API and the admin use: a term removed or
    added replaces the version's terms (``contract_update``); changed values alone change each
    term in place (``sla_term_update``). Both record the trail and re-score the contract's
    periods. What was done, in words."""
    removed = [t for t in terms if form.removed(t)]
    added = form.added()
    if removed or added:
        kept = [{"kpi": t.kpi.code, **form.term_values(t)} for t in terms if t not in removed]
        if added is not None:
            kept.append(added)
        services.contract_update(contract=contract, sla_terms=kept)
        parts = [f"removed {t.kpi.name}" for t in removed]
        if added is not None:
            parts.append(f"added {added['kpi']}")
        return f"SLA terms of {contract}: " + ", ".join(parts) + "; its periods are re-scored."
    changed = []
    for term in terms:
        values = form.term_values(term)
        diff = {k: v for k, v in values.items() if v != getattr(term, k)}
        if diff:
            services.sla_term_update(term=term, **diff)
            changed.append(term.kpi.name)
    if not changed:
        return f"SLA terms of {contract}: nothing changed."
    return f"SLA terms of {contract} saved ({', '.join(changed)}); its periods are re-scored."


@page(ADMIN)
def contract_terms(request: HttpRequest, pk: int) -> HttpResponse:
    """A contract version's SLA terms: change benchmark, warning, weight and minimum volume,
    remove a KPI or add one, with the validation and history of the API and the admin."""
    contract = get_scoped(request, Contract.objects.select_related("vendor"), pk=pk)
    terms = list(contract.sla_terms.select_related("kpi"))
    used = {t.kpi.code for t in terms}
    catalog = vendor_selectors.kpi_by_code(organization=contract.organization_id)
    addable = sorted(
        (k for code, k in catalog.items() if code not in used),
        key=lambda k: (k.display_order, k.code),
    )
    form = SLATermsForm(request.POST or None, terms=terms, addable=addable)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():  # every term written, or none
                message = _terms_save(contract, terms, form)
        except ValidationError as exc:
            _refused(form, exc)
        else:
            messages.success(request, message)
            return redirect("vendor-detail", pk=contract.vendor_id)
    return render_page(
        request,
        "scorecard/contract_terms.html",
        {"form": form, "contract": contract, "back": contract.vendor},
        status=400 if request.method == "POST" else 200,
    )
