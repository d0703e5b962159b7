"""The Django admin as a checked write path: scoped by the role policy, saves through the
services (same validation, same history), frozen records read-only; the demo administrator."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from scorecard.models import Job, RemediationEvent, RemediationItem, Scorecard, ScorecardKPI
from scorecard.services.evaluation import evaluate
from scorecard.services.jobs import pdf_job_request
from tests.factories import ContractFactory, VendorFactory, member
from tests.scorecard.helpers import report
from vendors import services
from vendors.models import (
    ColumnAlias,
    Contract,
    Membership,
    Report,
    ReportUpload,
    ReportValue,
    Role,
    SLATerm,
    Vendor,
)

pytestmark = pytest.mark.django_db

User = get_user_model()


def _url(model: Any, view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def people(org: Any, other_org: Any) -> dict[str, Any]:
    """Installation staff, organization A's staff administrator, and others who must not write."""
    root = User.objects.create_user(username="root", password="x")
    services.user_admin_access_set(user=root, is_staff=True, is_superuser=True)
    a_admin = member(org, Role.ADMIN, user__username="a-admin")
    services.user_admin_access_set(user=a_admin, is_staff=True)
    a_finance = member(org, Role.FINANCE, user__username="a-finance")
    services.user_admin_access_set(user=a_finance, is_staff=True)
    plain_admin = member(org, Role.ADMIN, user__username="a-admin-not-staff")
    b_admin = member(other_org, Role.ADMIN, user__username="b-admin")
    services.user_admin_access_set(user=b_admin, is_staff=True)
    return {
        "root": root,
        "a_admin": a_admin,
        "a_finance": a_finance,
        "plain_admin": plain_admin,
        "b_admin": b_admin,
    }


@pytest.fixture
def records(org: Any, other_org: Any) -> dict[str, Any]:
    """Acme in A (a contract from 2025-01-01, open-ended, evaluated for 2026-01) and Secret in B."""
    contract = ContractFactory(vendor__organization=org, vendor__slug="acme", vendor__name="Acme")
    acme = contract.vendor
    report(acme, "2026-01", days_in_ar=D("60"), payments=D("250000"), claims_submitted=4000)
    evaluate(vendor_ids=[acme.pk])
    card = Scorecard.objects.get(vendor=acme, period="2026-01")
    secret = ContractFactory(
        vendor__organization=other_org, vendor__slug="secret", vendor__name="Secret B"
    )
    alias = services.aliases.column_alias_create(vendor=acme, header="DAR", target="days_in_ar")
    return {
        "acme": acme,
        "contract": contract,
        "card": card,
        "kpi_row": card.kpis.first(),
        "item": RemediationItem.objects.get(vendor=acme),
        "event": RemediationEvent.objects.filter(item__vendor=acme).first(),
        "job": pdf_job_request(scorecard=card),
        "report": Report.objects.get(vendor=acme),
        "upload": ReportUpload.objects.get(reports__vendor=acme),
        "value": ReportValue.objects.filter(report__vendor=acme).first(),
        "secret": secret.vendor,
        "secret_contract": secret,
        "alias": alias,
    }


def form_data(response: Any) -> dict[str, Any]:
    """The POST a browser would send for an admin form as shown (initial values, inlines)."""
    form = response.context["adminform"].form
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = value
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management[name].value()
    return data


# --- Who enters and what they see ---------------------------------------------------------------
def test_every_registered_model_is_scoped_or_refused(people: Any, records: Any) -> None:
    """Every changelist, as each kind of user (walks the admin registry: none is forgotten)."""
    ours = {"vendors", "scorecard", "remittances", "disputes"}
    for model in admin.site._registry:
        url = _url(model, "changelist")
        own = model._meta.app_label in ours
        assert _client(people["root"]).get(url).status_code == 200, model
        assert _client(people["a_admin"]).get(url).status_code == (200 if own else 403), model
        assert _client(people["a_finance"]).get(url).status_code == 403, model
        # not staff: sent to the admin's sign-in page
        response = _client(people["plain_admin"]).get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], model


def test_organization_administrator_sees_only_their_organizations(
    people: Any, records: Any
) -> None:
    client = _client(people["a_admin"])
    vendors = client.get(_url(Vendor, "changelist"))
    assert [v.name for v in vendors.context["cl"].result_list] == ["Acme"]
    assert "Secret B" not in vendors.content.decode()
    orgs = client.get(_url(Contract, "changelist")).context["cl"].result_list
    assert {c.vendor.slug for c in orgs} == {"acme"}
    # another organization's record does not exist for them
    foreign = client.get(_url(Vendor, "change", records["secret"].pk))
    assert foreign.status_code == 302 and foreign["Location"] == reverse("admin:index")
    assert _client(people["b_admin"]).get(_url(Vendor, "change", records["acme"].pk))[
        "Location"
    ] == reverse("admin:index")
    # the organization choices of a new vendor are their own only
    add = client.get(_url(Vendor, "add"))
    choices = [label for _, label in add.context["adminform"].form.fields["organization"].choices]
    assert choices == ["- Select an option -", "Practice A"]
    # installation staff see every organization
    everyone = _client(people["root"]).get(_url(Vendor, "changelist")).context["cl"].result_list
    assert sorted(v.name for v in everyone) == ["Acme", "Secret B"]


def test_staff_without_an_administrator_role_sees_nothing(people: Any) -> None:
    index = _client(people["a_finance"]).get(reverse("admin:index"))
    assert index.status_code == 200
    assert index.context["app_list"] == []


# --- Frozen records ----------------------------------------------------------------------------
FROZEN = ["card", "kpi_row", "item", "event", "job", "report", "upload", "value"]


@pytest.mark.parametrize("who", ["root", "a_admin"])
@pytest.mark.parametrize("name", FROZEN)
def test_frozen_records_are_read_only(people: Any, records: Any, who: str, name: str) -> None:
    obj = records[name]
    model = type(obj)
    client = _client(people[who])
    page = client.get(_url(model, "change", obj.pk))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert 'name="_save"' not in page.content.decode()
    assert client.get(_url(model, "add")).status_code == 403
    assert client.post(_url(model, "change", obj.pk), {}).status_code == 403
    assert client.get(_url(model, "delete", obj.pk)).status_code == 403
    assert client.post(_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()


def test_issued_scorecard_fields_cannot_be_changed(people: Any, records: Any) -> None:
    card = records["card"]
    before = (card.fee, card.credit, card.overall_score, card.standing)
    client = _client(people["root"])
    response = client.post(
        _url(Scorecard, "change", card.pk), {"fee": "1", "credit": "0", "standing": "Excellent"}
    )
    assert response.status_code == 403
    card.refresh_from_db()
    assert (card.fee, card.credit, card.overall_score, card.standing) == before
    assert before[:2] == (D("15000.00"), D("300.00"))
    assert ScorecardKPI.objects.filter(scorecard=card).count() == 6
    assert Job.objects.filter(pk=records["job"].pk).exists()


# --- Saves go through the services -------------------------------------------------------------
def test_overlapping_contract_with_a_negative_fee_is_refused_with_the_services_message(
    people: Any, records: Any
) -> None:
    client = _client(people["a_admin"])
    data = form_data(client.get(_url(Contract, "add")))
    data.update(
        vendor=records["acme"].pk,
        start_date="2025-06-01",
        pricing_model="percent_of_collections",
        percent_of_collections="-5",
    )
    response = client.post(_url(Contract, "add"), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors == {"percent_of_collections": ["The percent of collections cannot be negative."]}
    assert Contract.objects.filter(vendor=records["acme"]).count() == 1
    # the fee fixed, the overlap is refused, as the pages and the API refuse it
    data["percent_of_collections"] = "5"
    response = client.post(_url(Contract, "add"), data)
    assert response.context["adminform"].form.errors == {
        "start_date": [
            "These dates (2025-06-01 to open-ended) overlap contract 1 version 1 (2025-01-01 to "
            "open-ended) of the same vendor; a vendor has one contract in force at a time: end "
            "that contract first, or amend it."
        ]
    }
    assert Contract.objects.filter(vendor=records["acme"]).count() == 1


def test_contract_added_and_changed_through_the_services_with_history(
    people: Any, records: Any
) -> None:
    client = _client(people["a_admin"])
    bolt = VendorFactory(organization=records["acme"].organization, name="Bolt")
    data = form_data(client.get(_url(Contract, "add")))
    data.update(
        vendor=bolt.pk,
        start_date="2026-01-01",
        pricing_model="per_claim",
        fee_per_claim="3.10",
        monthly_minimum="500",
    )
    response = client.post(_url(Contract, "add"), data)
    assert response.status_code == 302
    contract = Contract.objects.get(vendor=bolt)
    assert (contract.version, contract.fee_per_claim, contract.monthly_minimum) == (
        1,
        D("3.10"),
        D("500"),
    )
    # the default SLA template, as contract_create gives it
    assert contract.sla_terms.count() == 6
    edit = form_data(client.get(_url(Contract, "change", contract.pk)))
    edit["fee_per_claim"] = "3.25"
    assert client.post(_url(Contract, "change", contract.pk), edit).status_code == 302
    contract.refresh_from_db()
    assert contract.fee_per_claim == D("3.25")
    history = list(contract.history.order_by("history_id"))
    assert [(h.history_type, h.fee_per_claim) for h in history] == [
        ("+", D("3.10")),
        ("~", D("3.25")),
    ]
    assert history[-1].history_user == people["a_admin"]
    # a refused change stores nothing
    edit["monthly_maximum"] = "100"
    refused = client.post(_url(Contract, "change", contract.pk), edit)
    assert refused.context["adminform"].form.errors == {
        "monthly_maximum": ["The monthly maximum is below the monthly minimum."]
    }
    contract.refresh_from_db()
    assert (contract.monthly_maximum, contract.history.count()) == (None, 2)


def test_sla_term_change_is_validated_by_contract_update(people: Any, records: Any) -> None:
    term = SLATerm.objects.get(contract=records["contract"], kpi__code="first_pass_acceptance_rate")
    client = _client(people["a_admin"])
    data = form_data(client.get(_url(SLATerm, "change", term.pk)))
    data.update(benchmark="95", warning="97")
    refused = client.post(_url(SLATerm, "change", term.pk), data)
    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors == {
        "__all__": [
            "sla_terms: first_pass_acceptance_rate: higher is better, so the warning threshold "
            "(97) must not be above the benchmark (95)."
        ]
    }
    data.update(warning="91")
    assert client.post(_url(SLATerm, "change", term.pk), data).status_code == 302
    saved = SLATerm.objects.get(
        contract=records["contract"], kpi__code="first_pass_acceptance_rate"
    )
    assert (saved.benchmark, saved.warning) == (D("95"), D("91"))
    assert records["contract"].sla_terms.count() == 6


def test_vendor_add_and_change_through_the_services(people: Any, records: Any) -> None:
    client = _client(people["a_admin"])
    data = form_data(client.get(_url(Vendor, "add")))
    data.update(organization=records["acme"].organization_id, name="Zenith Coding")
    data["services"] = '["coding"]'
    added = client.post(_url(Vendor, "add"), data)
    assert added.status_code == 302, added.context["adminform"].form.errors
    zenith = Vendor.objects.get(name="Zenith Coding")
    assert (zenith.slug, zenith.services) == ("zenith-coding", ["coding"])
    # the BAA rule of vendor_update, on the change form
    edit = form_data(client.get(_url(Vendor, "change", zenith.pk)))
    edit.update(baa_signed_on="2026-05-01", baa_expires_on="2026-01-01")
    refused = client.post(_url(Vendor, "change", zenith.pk), edit)
    assert refused.context["adminform"].form.errors == {
        "baa_expires_on": ["The BAA cannot expire before it was signed."]
    }
    zenith.refresh_from_db()
    assert zenith.baa_signed_on is None
    # a vendor is not deleted here
    assert client.get(_url(Vendor, "delete", zenith.pk)).status_code == 403


def test_column_alias_through_the_alias_services(people: Any, records: Any) -> None:
    client = _client(people["a_admin"])
    data = form_data(client.get(_url(ColumnAlias, "add")))
    data.update(vendor=records["acme"].pk, header="d.a.r.", target="days_in_ar", scale="percent")
    refused = client.post(_url(ColumnAlias, "add"), data)
    assert refused.context["adminform"].form.errors == {
        "header": ["This vendor already has an alias written like 'd.a.r.'."]
    }
    # the catalog's rules too: no alias gives a raw field's header another meaning
    data.update(header="Claims Submitted", target="claims_denied")
    clash = client.post(_url(ColumnAlias, "add"), data)
    assert clash.context["adminform"].form.errors == {
        "header": [
            "'Claims Submitted' already means the raw field claims_submitted; an alias cannot "
            "give it another meaning (claims_denied)."
        ]
    }
    data.update(header="A/R days", target="days_in_ar")
    assert client.post(_url(ColumnAlias, "add"), data).status_code == 302
    assert ColumnAlias.objects.get(header="A/R days").normalized == "ardays"
    alias = records["alias"]
    deleted = client.post(_url(ColumnAlias, "delete", alias.pk), {"post": "yes"})
    assert deleted.status_code == 302
    assert not ColumnAlias.objects.filter(pk=alias.pk).exists()


def test_membership_role_changes_through_membership_set(people: Any, org: Any) -> None:
    viewer = member(org, Role.VIEWER, user__username="a-viewer")
    membership = Membership.objects.get(user=viewer)
    client = _client(people["a_admin"])
    data = form_data(client.get(_url(Membership, "change", membership.pk)))
    data["role"] = "compliance"
    assert client.post(_url(Membership, "change", membership.pk), data).status_code == 302
    membership.refresh_from_db()
    assert (membership.user, membership.organization, membership.role) == (
        viewer,
        org,
        "compliance",
    )
    # organization B's administrator cannot reach A's memberships
    foreign = _client(people["b_admin"]).get(_url(Membership, "change", membership.pk))
    assert foreign["Location"] == reverse("admin:index")


def test_history_is_read_but_never_reverted_in_the_admin(people: Any, records: Any) -> None:
    contract = records["contract"]
    version = contract.history.first()
    url = reverse("admin:vendors_contract_simple_history", args=[contract.pk, version.history_id])
    client = _client(people["a_admin"])
    assert client.get(url).status_code == 200
    assert client.post(url, {"notes": "reverted"}).status_code == 403
    contract.refresh_from_db()
    assert contract.notes == ""


# --- The demo administrator ---------------------------------------------------------------------
def test_demo_admin_is_the_organizations_administrator_and_old_demos_are_fixed() -> None:
    from vendors.demo import DEMO_ORG_SLUG, demo_setup

    # a demo database made before: the admin was a superuser
    old = User.objects.create_user(username="admin", password="x", is_staff=True)
    services.user_admin_access_set(user=old, is_staff=True, is_superuser=True)
    org = demo_setup()
    assert org.slug == DEMO_ORG_SLUG
    admin_user = User.objects.get(username="admin")
    assert (admin_user.is_staff, admin_user.is_superuser) == (True, False)
    assert Membership.objects.get(user=admin_user, organization=org).role == "admin"
    others = User.objects.filter(username__in=["finance", "compliance", "viewer"])
    assert sorted((u.username, u.is_staff, u.is_superuser) for u in others) == [
        ("compliance", False, False),
        ("finance", False, False),
        ("viewer", False, False),
    ]
    demo_setup()  # again: nothing changes
    assert User.objects.filter(is_superuser=True).count() == 0
    client = _client(admin_user)
    vendors = client.get(_url(Vendor, "changelist")).context["cl"].result_list
    assert sorted(v.slug for v in vendors) == ["harbor-coding", "northwind-billing", "summit-rcm"]


def test_membership_removed_through_the_service_but_never_the_last_administrator(
    people: Any, org: Any, other_org: Any
) -> None:
    viewer = member(org, Role.VIEWER, user__username="a-viewer")
    membership = Membership.objects.get(user=viewer)
    client = _client(people["a_admin"])
    removed = client.post(_url(Membership, "delete", membership.pk), {"post": "yes"})
    assert removed.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    # B's only administrator stays, even for installation staff
    last = Membership.objects.get(user=people["b_admin"])
    root = _client(people["root"])
    refused = root.post(_url(Membership, "delete", last.pk), {"post": "yes"}, follow=True)
    assert refused.redirect_chain == [(_url(Membership, "change", last.pk), 302)]
    assert [str(m) for m in refused.context["messages"]] == [
        "This is the organization's last administrator; name another one first."
    ]
    assert Membership.objects.filter(pk=last.pk).exists()


def test_users_are_made_and_changed_through_the_services_by_installation_staff_only(
    people: Any, org: Any
) -> None:
    root = _client(people["root"])
    add_url = reverse("admin:auth_user_add")
    data = {
        "username": "newcomer",
        "password1": "a long demo passphrase 42",
        "password2": "a long demo passphrase 42",
        "email": "newcomer@example.org",
        "organization": org.pk,
        "role": "finance",
    }
    added = root.post(add_url, data)
    assert added.status_code == 302
    newcomer = User.objects.get(username="newcomer")
    assert newcomer.check_password("a long demo passphrase 42")
    assert (newcomer.email, newcomer.is_staff, newcomer.is_superuser) == (
        "newcomer@example.org",
        False,
        False,
    )
    assert Membership.objects.get(user=newcomer).role == "finance"
    change_url = reverse("admin:auth_user_change", args=[newcomer.pk])
    edit = form_data(root.get(change_url))
    edit.update(email="n@example.org", is_active="on", is_staff="on")
    assert root.post(change_url, edit).status_code == 302
    newcomer.refresh_from_db()
    assert (newcomer.email, newcomer.is_active, newcomer.is_staff, newcomer.is_superuser) == (
        "n@example.org",
        True,
        True,
        False,
    )
    # a login is deactivated, never deleted; an organization's administrator sees no logins
    assert root.get(reverse("admin:auth_user_delete", args=[newcomer.pk])).status_code == 403
    a_admin = _client(people["a_admin"])
    assert a_admin.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert a_admin.post(add_url, {**data, "username": "sneaky"}).status_code == 403
    assert not User.objects.filter(username="sneaky").exists()
