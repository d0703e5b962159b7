"""The audit trail: every write path leaves the exact row of who, when, why and what; bulk writes
included; a deleted user's name stays; the page and the API filter, paginate, export and refuse.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from scorecard.models import RemediationEvent, RemediationItem
from tests.conftest import client_for
from tests.factories import ContractFactory, VendorFactory, member
from vendors import services
from vendors.models import AuditEvent, ColumnAlias, KPIDefinition, Membership, Role
from vendors.services.audit import acting_as

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC)
TEMPLATE = [
    ("first_pass_acceptance_rate", "95.0000", "90.0000", "25.00"),
    ("denial_rate", "8.0000", "12.0000", "20.00"),
    ("days_in_ar", "40.0000", "55.0000", "20.00"),
    ("net_collection_rate", "95.0000", "90.0000", "20.00"),
    ("coding_turnaround_hours", "48.0000", "72.0000", "10.00"),
    ("resubmission_turnaround_business_days", "2.0000", "5.0000", "5.00"),
]


def rows(**lookup):
    """The trail, oldest first: (type, id, action, who, why, changes)."""
    return [
        (e.record_type, e.record_id, e.action, e.actor_name, e.reason, e.changes)
        for e in AuditEvent.objects.filter(**lookup).order_by("id")
    ]


def last_event_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def term_created(term_id, code, benchmark, warning, weight, reason, who="alice"):
    return (
        "sla_term",
        str(term_id),
        "created",
        who,
        reason,
        {
            "kpi": [None, code],
            "benchmark": [None, benchmark],
            "warning": [None, warning],
            "weight": [None, weight],
            "minimum_volume": [None, 30],
        },
    )


@pytest.fixture
def alice(admin_user):
    admin_user.first_name, admin_user.last_name = "", ""
    admin_user.save()
    return admin_user


# --- Each write path and the row it leaves -----------------------------------------------------
@time_machine.travel(NOW, tick=False)
def test_vendor_create_and_update_through_the_api(api, org, alice):
    created = api.post("/api/v1/vendors/", {"name": "Acme Billing"}, format="json")
    assert created.status_code == 201, created.json()
    vid = str(created.json()["id"])
    api.patch(f"/api/v1/vendors/{vid}/", {"certified_coders": 9, "name": "Acme"}, format="json")
    api.patch(f"/api/v1/vendors/{vid}/", {"certified_coders": 9}, format="json")  # no change
    assert rows(record_type="vendor") == [
        (
            "vendor",
            vid,
            "created",
            "alice",
            "",
            {
                "name": [None, "Acme Billing"],
                "slug": [None, "acme-billing"],
                "services": [None, ["coding", "billing"]],
            },
        ),
        (
            "vendor",
            vid,
            "updated",
            "alice",
            "",
            {"certified_coders": [None, 9], "name": ["Acme Billing", "Acme"]},
        ),
    ]
    event = AuditEvent.objects.get(action="updated")
    assert (event.at, event.actor_id, event.organization_id, event.record_label) == (
        NOW,
        alice.pk,
        org.pk,
        "Acme",
    )


def test_contract_create_records_the_contract_and_every_bulk_inserted_term(api, org, alice):
    vendor = VendorFactory(organization=org, name="Acme")
    created = api.post(
        "/api/v1/contracts/",
        {
            "vendor": vendor.pk,
            "start_date": "2026-01-01",
            "pricing_model": "percent_of_collections",
            "percent_of_collections": "5.500",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    cid = created.json()["id"]
    why = "Contract v1 created (default template)."
    term_ids = {t.kpi.code: t.pk for t in vendor.contracts.get().sla_terms.select_related("kpi")}
    assert rows(record_type="contract") == [
        (
            "contract",
            str(cid),
            "created",
            "alice",
            why,
            {
                "start_date": [None, "2026-01-01"],
                "pricing_model": [None, "percent_of_collections"],
                "percent_of_collections": [None, "5.500"],
            },
        )
    ]
    assert rows(record_type="sla_term") == [
        term_created(term_ids[code], code, b, w, wt, why) for code, b, w, wt in TEMPLATE
    ]


def test_contract_update_records_terms_replaced_and_fields_corrected(api, org, alice):
    contract = ContractFactory(vendor=VendorFactory(organization=org, name="Acme"))
    old = {t.kpi.code: t.pk for t in contract.sla_terms.select_related("kpi")}
    start = last_event_id()
    updated = api.patch(
        f"/api/v1/contracts/{contract.pk}/",
        {
            "notes": "Signed copy on file",
            "sla_terms": [
                {"kpi": "denial_rate", "benchmark": "7", "warning": "10", "weight": "100"}
            ],
        },
        format="json",
    )
    assert updated.status_code == 200, updated.json()
    why = "Contract v1 corrected in place."
    new_term = contract.sla_terms.get()
    deleted = [
        (
            "sla_term",
            str(old[code]),
            "deleted",
            "alice",
            why,
            {
                "kpi": [code, None],
                "benchmark": [b, None],
                "warning": [w, None],
                "weight": [wt, None],
                "minimum_volume": [30, None],
            },
        )
        for code, b, w, wt in TEMPLATE
    ]
    assert rows(id__gt=start) == [
        (
            "contract",
            str(contract.pk),
            "updated",
            "alice",
            why,
            {"notes": ["", "Signed copy on file"]},
        ),
        *deleted,
        term_created(new_term.pk, "denial_rate", "7.0000", "10.0000", "100.00", why),
    ]


def test_contract_amend_records_both_versions_and_the_copied_terms(api, org, alice):
    contract = ContractFactory(vendor=VendorFactory(organization=org, name="Acme"))
    start = last_event_id()
    response = api.post(
        f"/api/v1/contracts/{contract.pk}/amend/",
        {"effective_date": "2026-11-01", "changes": {"percent_of_collections": "5"}},
        format="json",
    )
    assert response.status_code == 201, response.json()
    new = contract.vendor.contracts.get(version=2)
    trail = rows(id__gt=start)
    assert trail[0] == (
        "contract",
        str(contract.pk),
        "updated",
        "alice",
        "Amended from 2026-11-01 by v2.",
        {"end_date": [None, "2026-10-31"]},
    )
    assert trail[1][:5] == (
        "contract",
        str(new.pk),
        "created",
        "alice",
        "Amends v1 from 2026-11-01.",
    )
    assert trail[1][5]["amends"] == [None, contract.pk]
    assert trail[1][5]["percent_of_collections"] == [None, "5.000"]
    new_terms = {t.kpi.code: t.pk for t in new.sla_terms.select_related("kpi")}
    # the copied terms keep the old values, as stored (Decimal places of the model)
    assert [r[:5] for r in trail[2:]] == [
        ("sla_term", str(new_terms[code]), "created", "alice", "Amendment v2 of v1.")
        for code, *_ in TEMPLATE
    ]
    assert len(trail) == 8


def test_role_change_on_the_manage_page_records_who_changed_it(org, alice):
    bob = member(org, Role.VIEWER, user__username="bob")
    membership = Membership.objects.get(user=bob)
    client = Client()
    client.force_login(alice)
    start = last_event_id()
    response = client.post(reverse("member-role", args=[membership.pk]), {"role": "finance"})
    assert response.status_code == 302
    client.post(reverse("member-role", args=[membership.pk]), {"role": "finance"})  # the same
    assert rows(id__gt=start) == [
        (
            "membership",
            str(membership.pk),
            "updated",
            "alice",
            "bob given the finance role.",
            {"role": ["viewer", "finance"]},
        )
    ]


def test_user_created_on_the_manage_page_records_the_login_and_its_role(org, alice):
    client = Client()
    client.force_login(alice)
    response = client.post(
        reverse("manage"),
        {
            "username": "carol",
            "password": "a-long-Passphrase-2026",
            "email": "carol@example.org",
            "role": "compliance",
        },
    )
    assert response.status_code == 302
    carol = get_user_model().objects.get(username="carol")
    membership = Membership.objects.get(user=carol)
    assert rows(record_type__in=["user", "membership"], actor=alice) == [
        (
            "user",
            str(carol.pk),
            "created",
            "alice",
            "",
            {"username": [None, "carol"], "email": [None, "carol@example.org"]},
        ),
        (
            "membership",
            str(membership.pk),
            "created",
            "alice",
            "carol given the compliance role.",
            {"role": [None, "compliance"]},
        ),
    ]


def test_column_alias_create_update_delete_through_the_api(api, org, alice):
    vendor = VendorFactory(organization=org, name="Acme")
    created = api.post(
        "/api/v1/column-aliases/",
        {"vendor": vendor.pk, "header": "FP %", "target": "first_pass_acceptance_rate"},
        format="json",
    )
    aid = str(created.json()["id"])
    api.patch(f"/api/v1/column-aliases/{aid}/", {"scale": "fraction"}, format="json")
    assert api.delete(f"/api/v1/column-aliases/{aid}/").status_code == 204
    why = "Column alias of Acme."
    assert rows(record_type="column_alias") == [
        (
            "column_alias",
            aid,
            "created",
            "alice",
            why,
            {
                "header": [None, "FP %"],
                "target": [None, "first_pass_acceptance_rate"],
                "scale": [None, ""],  # no scale declared
            },
        ),
        ("column_alias", aid, "updated", "alice", why, {"scale": ["", "fraction"]}),
        (
            "column_alias",
            aid,
            "deleted",
            "alice",
            why,
            {
                "header": ["FP %", None],
                "target": ["first_pass_acceptance_rate", None],
                "scale": ["fraction", None],
            },
        ),
    ]
    assert not ColumnAlias.objects.exists()


def test_kpi_created_through_the_api(api, alice):
    body = {
        "code": "clean_claim_rate_custom",
        "name": "Clean claims",
        "unit": "percent",
        "direction": "higher",
        "source": "vendor report",
    }
    created = api.post("/api/v1/kpis/", body, format="json")
    assert created.status_code == 201, created.json()
    kpi = KPIDefinition.objects.get(code="clean_claim_rate_custom")
    [event] = AuditEvent.objects.filter(record_type="kpi")
    assert (event.record_id, event.action, event.actor_name, event.changes) == (
        str(kpi.pk),
        "created",
        "alice",
        {
            "code": [None, "clean_claim_rate_custom"],
            "name": [None, "Clean claims"],
            "unit": [None, "percent"],
            "direction": [None, "higher"],
            "formula": [None, ""],
        },
    )


def test_a_command_acting_as_a_user_is_recorded_as_that_user(org, alice):
    with acting_as(alice):
        vendor = services.vendor_create(organization=org, name="Scripted")
    system = services.vendor_create(organization=org, name="Unattended")
    assert rows(record_type="vendor") == [
        (
            "vendor",
            str(vendor.pk),
            "created",
            "alice",
            "",
            {
                "name": [None, "Scripted"],
                "slug": [None, "scripted"],
                "services": [None, ["coding", "billing"]],
            },
        ),
        (
            "vendor",
            str(system.pk),
            "created",
            "",
            "",
            {
                "name": [None, "Unattended"],
                "slug": [None, "unattended"],
                "services": [None, ["coding", "billing"]],
            },
        ),
    ]


# --- Remediation, and a deleted user ------------------------------------------------------------
@pytest.fixture
def item(org):
    contract = ContractFactory(vendor=VendorFactory(organization=org, name="Acme"))
    return RemediationItem.objects.create(
        organization=org,
        contract=contract,
        vendor=contract.vendor,
        kpi=KPIDefinition.objects.get(code="denial_rate"),
        kind="breach",
        opened_period="2026-10",
        cure_deadline=dt.date(2026, 12, 30),
    )


def test_a_deleted_users_name_stays_in_the_remediation_history_and_the_audit_page(org, item):
    dora = member(org, Role.COMPLIANCE, user__username="dora")
    dora.first_name, dora.last_name = "Dora", "Keane"
    dora.save()
    moved = client_for(dora).post(
        f"/api/v1/remediations/{item.pk}/transition/",
        {"status": "action_plan_received", "reason": "Plan received 2026-11-28"},
        format="json",
    )
    assert moved.status_code == 200, moved.json()
    assert rows(record_type="remediation_item") == [
        (
            "remediation_item",
            str(item.pk),
            "transitioned",
            "Dora Keane",
            "Plan received 2026-11-28",
            {"status": ["open", "action_plan_received"]},
        )
    ]
    dora.delete()
    event = RemediationEvent.objects.get(item=item)
    assert (event.actor_id, event.actor_name) == (None, "Dora Keane")
    admin = member(org, Role.ADMIN, user__username="erin")
    [history] = client_for(admin).get(f"/api/v1/remediations/{item.pk}/").json()["events"]
    assert (history["actor"], history["actor_name"], history["reason"]) == (
        None,
        "Dora Keane",
        "Plan received 2026-11-28",
    )
    client = Client()
    client.force_login(admin)
    board = client.get(reverse("remediation-board")).content.decode()
    assert "Dora Keane" in board
    page = client.get(reverse("audit"), {"record": f"remediation_item:{item.pk}"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "<td>Dora Keane</td>" in text and "Plan received 2026-11-28" in text
    assert "1 change</h2>" in text


# --- The page ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "code"),
    [(Role.ADMIN, 200), (Role.COMPLIANCE, 200), (Role.FINANCE, 403), (Role.VIEWER, 403)],
)
def test_audit_page_and_export_are_for_administrators_and_compliance(org, role, code):
    client = Client()
    client.force_login(member(org, role))
    assert client.get(reverse("audit")).status_code == code
    assert client.get(reverse("audit-export")).status_code == code


def many_events(org, count, *, actor=None, at=NOW):
    AuditEvent.objects.bulk_create(
        AuditEvent(
            organization=org,
            at=at + dt.timedelta(minutes=i),
            actor=actor,
            actor_name=actor.get_username() if actor else "",
            record_type="vendor",
            record_id=str(1000 + i),
            record_label=f"Vendor {i}",
            action="updated",
            reason="",
            changes={"name": [f"old {i}", f"new {i}"]},
        )
        for i in range(count)
    )


def test_audit_page_filters_and_paginates_in_constant_queries(
    org, other_org, alice, django_assert_num_queries
):
    client = Client()
    client.force_login(alice)
    many_events(org, 3, actor=alice)
    many_events(other_org, 2)  # never shown
    client.get(reverse("audit"))  # warm the session
    # session, user, memberships (the seat), the count, the page
    with django_assert_num_queries(5) as few:
        assert "3 changes</h2>" in client.get(reverse("audit")).content.decode()
    many_events(org, 120, at=NOW + dt.timedelta(days=1))
    with django_assert_num_queries(len(few.captured_queries)):
        text = client.get(reverse("audit"), {"page": "2"}).content.decode()
    assert "123 changes</h2>" in text and "Page 2 of 3" in text
    by_alice = client.get(reverse("audit"), {"actor": "alice"}).content.decode()
    assert "3 changes</h2>" in by_alice
    one = client.get(reverse("audit"), {"record": "vendor:1001"}).content.decode()
    assert "2 changes</h2>" in one  # vendor 1001 of the first and of the second batch
    since = client.get(reverse("audit"), {"since": "2026-12-01"}).content.decode()
    assert "120 changes</h2>" in since


def test_audit_page_refuses_a_bad_filter_naming_it(org, alice):
    client = Client()
    client.force_login(alice)
    response = client.get(reverse("audit"), {"record": "invoice:3", "since": "yesterday"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "record: Unknown record type &#x27;invoice&#x27;" in text
    assert "since: &#x27;yesterday&#x27; is not a date; write YYYY-MM-DD" in text
    export = client.get(reverse("audit-export"), {"record": "vendor:x"})
    assert (export.status_code, export.content.decode()) == (
        400,
        "record: The record id must be a whole number, as in vendor:12.",
    )


def test_audit_csv_is_safe_against_formula_injection(org, alice):
    with time_machine.travel(NOW, tick=False), acting_as(alice):
        vendor = services.vendor_create(organization=org, name='=HYPERLINK("http://x")')
    client = Client()
    client.force_login(alice)
    response = client.get(reverse("audit-export"), {"record": "vendor"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(body)))
    assert table == [
        ["at", "actor", "action", "record_type", "record_id", "record", "reason", "changes"],
        [
            "2026-11-30T08:00:00+00:00",
            "alice",
            "created",
            "vendor",
            str(vendor.pk),
            '\'=HYPERLINK("http://x")',
            "",
            '{"name": [null, "=HYPERLINK(\\"http://x\\")"], "services": [null, ["coding", '
            '"billing"]], "slug": [null, "hyperlinkhttpx"]}',
        ],
    ]


# --- The API -----------------------------------------------------------------------------------
def test_audit_api_lists_filters_and_validates(org, other_org, alice, api):
    many_events(org, 3, actor=alice)
    many_events(other_org, 2)
    body = api.get("/api/v1/audit/", {"record": "vendor:1002"}).json()
    assert body["count"] == 1
    assert body["results"][0] == {
        "id": body["results"][0]["id"],
        "organization": "practice-a",
        "at": "2026-11-30T08:02:00Z",
        "actor": "alice",
        "actor_name": "alice",
        "action": "updated",
        "record_type": "vendor",
        "record_id": "1002",
        "record_label": "Vendor 2",
        "reason": "",
        "changes": {"name": ["old 2", "new 2"]},
    }
    assert api.get("/api/v1/audit/", {"actor": "system"}).json()["count"] == 0
    assert api.get("/api/v1/audit/", {"since": "2026-11-30T08:01:00Z"}).json()["count"] == 2
    assert api.get("/api/v1/audit/", {"limit": "2"}).json()["next"].endswith("limit=2&offset=2")
    bad = api.get("/api/v1/audit/", {"record": "sla_terms", "since": "30/11/2026", "limit": "x"})
    assert bad.status_code == 400
    assert api.get("/api/v1/audit/", {"limit": "0"}).json() == {
        "limit": ["limit must be a whole number of 1 or more."]
    }
    assert api.get("/api/v1/audit/", {"since": "30/11/2026"}).json() == {
        "since": [
            "'30/11/2026' is not a date; write YYYY-MM-DD (2026-11-30) or an ISO 8601 date and "
            "time (2026-11-30T08:00:00Z)."
        ]
    }


@pytest.mark.parametrize(("role", "code"), [(Role.FINANCE, 403), (Role.VIEWER, 403)])
def test_audit_api_is_refused_to_other_roles(org, role, code):
    response = client_for(member(org, role)).get("/api/v1/audit/")
    assert (response.status_code, response.json()) == (
        code,
        {"detail": "The audit trail is for administrators and compliance members."},
    )


def test_the_evaluations_bulk_remediation_moves_are_in_the_trail_as_the_systems(org):
    from decimal import Decimal

    from scorecard.services.evaluation import evaluate
    from tests.scorecard.helpers import report

    # A contract of January alone: every month of a contract is measured, and January's breach
    # is the one move to follow here.
    vendor = ContractFactory(
        vendor__organization=org,
        vendor__name="Acme",
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 1, 31),
    ).vendor
    report(vendor, "2026-01", days_in_ar=Decimal("60"), first_pass_acceptance_rate=Decimal("96"))
    evaluate(vendor_ids=[vendor.pk])
    item = RemediationItem.objects.get()
    [event] = item.events.all()
    assert rows(record_type="remediation_item") == [
        (
            "remediation_item",
            str(item.pk),
            "created",
            "",
            "Breach in 2026-01; cure by 2026-04-01.",
            {"status": [None, "open"]},
        )
    ]
    audit = AuditEvent.objects.get(record_type="remediation_item")
    assert (audit.organization_id, audit.actor_id, audit.record_label) == (
        org.pk,
        None,
        "Acme days_in_ar breach (open)",
    )
    assert event.reason == "Breach in 2026-01; cure by 2026-04-01."  # the same why


# --- The Django admin ------------------------------------------------------------------------
def test_admin_edits_and_deletes_leave_their_rows(org):
    from tests.factories import UserFactory

    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    bob = member(org, Role.VIEWER, user__username="bob")
    membership = Membership.objects.get(user=bob)
    contract = ContractFactory(vendor=VendorFactory(organization=org, name="Acme"))
    term = contract.sla_terms.get(kpi__code="denial_rate")
    alias = aliases_create(contract.vendor)
    start = last_event_id()
    client = Client()
    client.force_login(root)
    role = client.post(
        reverse("admin:vendors_membership_change", args=[membership.pk]),
        {"user": bob.pk, "organization": org.pk, "role": "finance"},
    )
    assert role.status_code == 302
    changed = client.post(
        reverse("admin:vendors_slaterm_change", args=[term.pk]),
        {
            "contract": contract.pk,
            "kpi": term.kpi_id,
            "benchmark": "7",
            "warning": "12",
            "weight": "20",
            "minimum_volume": "30",
        },
    )
    assert changed.status_code == 302
    deleted = client.post(
        reverse("admin:vendors_columnalias_delete", args=[alias.pk]), {"post": "yes"}
    )
    assert deleted.status_code == 302
    # The admin saves through the services, so each edit leaves the service's own row: who
    # (the admin user), why, and what changed.
    assert rows(id__gt=start) == [
        (
            "membership",
            str(membership.pk),
            "updated",
            "root",
            "bob given the finance role.",
            {"role": ["viewer", "finance"]},
        ),
        (
            "sla_term",
            str(term.pk),
            "updated",
            "root",
            "SLA term denial_rate of contract v1 changed.",
            {"benchmark": ["8.0000", "7.0000"]},
        ),
        (
            "column_alias",
            str(alias.pk),
            "deleted",
            "root",
            "Column alias of Acme.",
            {
                "header": ["Denials %", None],
                "target": ["denial_rate", None],
                "scale": ["", None],
            },
        ),
    ]


def aliases_create(vendor):
    from vendors.services.aliases import column_alias_create

    return column_alias_create(vendor=vendor, header="Denials %", target="denial_rate")


def test_contract_prices_in_the_trail_only_for_roles_that_see_money(org):
    """The one money policy holds in the trail too: a compliance member reads who changed a
    contract and why, but not its prices (page, CSV export and API alike)."""
    admin = member(org, Role.ADMIN, user__username="ada")
    compliance = member(org, Role.COMPLIANCE, user__username="cy")
    vendor = VendorFactory(organization=org, name="Acme")
    with acting_as(admin):
        services.contract_create(
            organization=org,
            vendor=vendor,
            start_date=dt.date(2026, 1, 1),
            pricing_model="per_claim",
            fee_per_claim="4.25",
        )
    record = {"record": "contract"}
    [api_admin] = client_for(admin).get("/api/v1/audit/", record).json()["results"]
    [api_compliance] = client_for(compliance).get("/api/v1/audit/", record).json()["results"]
    assert api_admin["changes"]["fee_per_claim"] == [None, "4.25"]
    assert "fee_per_claim" not in api_compliance["changes"]
    assert api_compliance["changes"]["pricing_model"] == [None, "per_claim"]
    for user, shown in ((admin, True), (compliance, False)):
        client = Client()
        client.force_login(user)
        page = client.get(reverse("audit"), record).content.decode()
        export = b"".join(client.get(reverse("audit-export"), record).streaming_content)
        assert ("fee_per_claim" in page, b"fee_per_claim" in export) == (shown, shown)
