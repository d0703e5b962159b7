"""Pages through Django's test client: the right role reads, others get 403, strangers 404."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from scorecard.views.base import SESSION_KEY
from tests.factories import (
    ContractFactory,
    OrganizationFactory,
    VendorFactory,
    make_remediation,
    make_report,
    make_scorecard,
    make_termination_right,
    member,
)
from vendors.models import Role, Vendor

pytestmark = pytest.mark.django_db


GOOD = {
    "first_pass_acceptance_rate": ("96.5", "meets"),
    "denial_rate": ("7.1", "meets"),
    "days_in_ar": ("38", "meets"),
    "net_collection_rate": ("96.2", "meets"),
    "coding_turnaround_hours": ("30", "meets"),
    "resubmission_turnaround_business_days": ("1.5", "meets"),
}
BAD = {
    **GOOD,
    "first_pass_acceptance_rate": ("89.5", "breach"),
    "denial_rate": ("9.4", "watch"),
    "days_in_ar": (None, "insufficient_data"),
}


@dataclass
class World:
    """Organization A (every role, two vendors) and organization B (a stranger's records)."""

    org: Any
    other: Any
    users: dict[str, Any]
    stranger: Any
    vendor: Vendor
    vendor2: Vendor
    contract: Any
    card: Any
    item: Any
    other_vendor: Vendor
    other_contract: Any
    other_card: Any
    other_item: Any


# The practice's roles; vendor users' pages: tests/test_role_policy.py, test_vendor_isolation.py
PRACTICE_ROLES = [r for r in Role.values if r != Role.VENDOR]


def _report(vendor: Vendor, period: str, payments: str, claims: str) -> Any:
    return make_report(vendor, period, {"payments": payments, "claims_submitted": claims})


@pytest.fixture
def world(org: Any, other_org: Any) -> World:
    """Two organizations with scorecards, remediation, a termination right and late report."""
    users = {role: member(org, role, user__username=f"a-{role}") for role in PRACTICE_ROLES}
    vendor = VendorFactory(organization=org, name="Northwind Billing")
    vendor2 = VendorFactory(organization=org, name='=HYPERLINK("http://x")')
    contract = ContractFactory(vendor=vendor, organization=org)
    contract2 = ContractFactory(
        vendor=vendor2,
        organization=org,
        pricing_model="per_claim",
        percent_of_collections=None,
        fee_per_claim=Decimal("4.50"),
    )
    for period, payments, claims in (("2026-08", "500000", "4000"), ("2026-09", "600000", "5000")):
        rep = _report(vendor, period, payments, claims)
        card = make_scorecard(
            contract,
            period,
            GOOD if period == "2026-08" else BAD,
            overall_score="92.0" if period == "2026-08" else "61.25",
            standing="Excellent" if period == "2026-08" else "Needs improvement",
            fee=str(Decimal(payments) * Decimal("0.06")),
            credit="0" if period == "2026-08" else "900.00",
            snapshot={"payments": payments, "claims_submitted": claims},
        )
        card.report = rep
        card.save(update_fields=["report"])
    card.report_late = True
    card.save(update_fields=["report_late"])
    rep2 = _report(vendor2, "2026-09", "400000", "3000")
    card2 = make_scorecard(
        contract2,
        "2026-09",
        GOOD,
        fee="13500.00",
        credit="0",
        snapshot={"payments": "400000", "claims_submitted": "3000"},
    )
    card2.report = rep2
    card2.save(update_fields=["report"])
    item = make_remediation(contract, "first_pass_acceptance_rate", opened_period="2026-09")
    make_termination_right(
        contract, "first_pass_acceptance_rate", ["2026-07", "2026-08", "2026-09"]
    )

    stranger = member(other_org, Role.ADMIN, user__username="b-admin")
    other_vendor = VendorFactory(organization=other_org, name="Secret Vendor B")
    other_contract = ContractFactory(vendor=other_vendor, organization=other_org)
    other_card = make_scorecard(other_contract, "2026-09", GOOD)
    other_item = make_remediation(other_contract, "denial_rate")
    return World(
        org=org,
        other=other_org,
        users=users,
        stranger=stranger,
        vendor=vendor,
        vendor2=vendor2,
        contract=contract,
        card=card,
        item=item,
        other_vendor=other_vendor,
        other_contract=other_contract,
        other_card=other_card,
        other_item=other_item,
    )


def signed_in(user: Any) -> Client:
    """A test client with a session for ``user``."""
    client = Client()
    client.force_login(user)
    return client


# --- Sign-in -------------------------------------------------------------------------------
def test_anonymous_is_sent_to_sign_in(world: World) -> None:
    response = Client().get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_sign_in_page_has_labelled_fields_and_signs_in(world: World) -> None:
    client = Client()
    page = client.get(reverse("login"))
    assert page.status_code == 200
    html = page.content.decode()
    assert '<label for="id_username">Username</label>' in html
    assert '<label for="id_password">Password</label>' in html
    assert "/static/css/app." in html  # the hashed name from the manifest
    response = client.post(reverse("login"), {"username": "a-viewer", "password": "pw"})
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200


def test_member_of_no_organization_is_refused(db: None) -> None:
    from tests.factories import UserFactory

    assert signed_in(UserFactory()).get(reverse("dashboard")).status_code == 403


# --- Who reads what ------------------------------------------------------------------------
READ_PAGES = ["dashboard", "vendor-list", "compare", "remediation-board"]
ROLE_PAGES = [
    ("upload", {Role.ADMIN, Role.COMPLIANCE, Role.FINANCE}),
    ("compliance", {Role.ADMIN, Role.COMPLIANCE}),
    ("finance", {Role.ADMIN, Role.FINANCE}),
    ("manage", {Role.ADMIN}),
    ("vendor-create", {Role.ADMIN}),
]


@pytest.mark.parametrize("role", PRACTICE_ROLES)
def test_every_role_reads_the_read_pages(world: World, role: str) -> None:
    client = signed_in(world.users[role])
    for name in READ_PAGES:
        assert client.get(reverse(name)).status_code == 200, name
    assert client.get(reverse("vendor-detail", args=[world.vendor.pk])).status_code == 200
    png = client.get(reverse("vendor-trend", args=[world.vendor.pk, "first_pass_acceptance_rate"]))
    assert png.status_code == 200
    assert png["Content-Type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")


@pytest.mark.parametrize("name,allowed", ROLE_PAGES)
@pytest.mark.parametrize("role", PRACTICE_ROLES)
def test_role_pages_answer_200_or_403(world: World, name: str, allowed: set, role: str) -> None:
    response = signed_in(world.users[role]).get(reverse(name))
    assert response.status_code == (200 if role in allowed else 403)


@pytest.mark.parametrize(
    "name,roles",
    [
        ("vendor-edit", {Role.ADMIN}),
        ("contract-create", {Role.ADMIN}),
        ("aliases", {Role.ADMIN}),
    ],
)
@pytest.mark.parametrize("role", PRACTICE_ROLES)
def test_vendor_admin_pages_by_role(world: World, name: str, roles: set, role: str) -> None:
    response = signed_in(world.users[role]).get(reverse(name, args=[world.vendor.pk]))
    assert response.status_code == (200 if role in roles else 403)


def test_exports_by_role(world: World) -> None:
    finance_csv = reverse("finance-export", args=["csv"])
    compliance_csv = reverse("compliance-export", args=["breaches", "csv"])
    assert signed_in(world.users["viewer"]).get(finance_csv).status_code == 403
    assert signed_in(world.users["compliance"]).get(finance_csv).status_code == 403
    assert signed_in(world.users["finance"]).get(finance_csv).status_code == 200
    assert signed_in(world.users["viewer"]).get(compliance_csv).status_code == 403
    assert signed_in(world.users["finance"]).get(compliance_csv).status_code == 403
    assert signed_in(world.users["compliance"]).get(compliance_csv).status_code == 200


def test_viewer_cannot_move_remediation_items(world: World) -> None:
    url = reverse("remediation-transition", args=[world.item.pk])
    data = {"to_status": "action_plan_received", "reason": "plan in"}
    assert signed_in(world.users["viewer"]).post(url, data).status_code == 403
    assert signed_in(world.users["finance"]).post(url, data).status_code == 403
    world.item.refresh_from_db()
    assert world.item.status == "open"


def test_viewer_cannot_post_an_upload(world: World) -> None:
    response = signed_in(world.users["viewer"]).post(reverse("upload"), {})
    assert response.status_code == 403


# --- Another organization's records are 404 ------------------------------------------------
def test_other_organizations_records_answer_404(world: World) -> None:
    client = signed_in(world.users["admin"])
    v, c = world.other_vendor.pk, world.other_contract.pk
    gets = [
        reverse("vendor-detail", args=[v]),
        reverse("vendor-edit", args=[v]),
        reverse("vendor-trend", args=[v, "denial_rate"]),
        reverse("contract-create", args=[v]),
        reverse("aliases", args=[v]),
        reverse("contract-amend", args=[c]),
    ]
    for url in gets:
        assert client.get(url).status_code == 404, url
    posts = [
        reverse("remediation-transition", args=[world.other_item.pk]),
        reverse("scorecard-pdf", args=[world.other_card.pk]),
    ]
    for url in posts:
        assert client.post(url, {"to_status": "waived", "reason": "x"}).status_code == 404, url
    world.other_item.refresh_from_db()
    assert world.other_item.status == "open"


def test_other_organizations_vendors_never_show(world: World) -> None:
    client = signed_in(world.users["admin"])
    for name in ["dashboard", "vendor-list", "remediation-board", "compliance", "finance"]:
        assert "Secret Vendor B" not in client.get(reverse(name)).content.decode(), name
    compare = client.get(reverse("compare"), {"vendor": [world.other_vendor.pk]})
    assert "Secret Vendor B" not in compare.content.decode()


# --- Organization switcher -----------------------------------------------------------------
def test_member_of_two_organizations_switches(world: World) -> None:
    from vendors.services import membership_set

    user = world.users["viewer"]
    membership_set(user=user, organization=world.other, role=Role.VIEWER)
    client = signed_in(user)
    page = client.get(reverse("dashboard")).content.decode()
    assert '<label for="org-select">Organization</label>' in page
    assert "Northwind Billing" in page and "Secret Vendor B" not in page
    response = client.post(
        reverse("organization-switch"), {"organization": world.other.pk, "next": "/vendors/"}
    )
    assert response.status_code == 302 and response["Location"] == "/vendors/"
    assert client.session[SESSION_KEY] == world.other.pk
    page = client.get(reverse("dashboard")).content.decode()
    assert "Secret Vendor B" in page and "Northwind Billing" not in page
    # Records of the organization left behind now answer 404.
    assert client.get(reverse("vendor-detail", args=[world.vendor.pk])).status_code == 404


def test_switching_to_an_organization_one_is_not_in_is_404(world: World) -> None:
    client = signed_in(world.users["admin"])
    response = client.post(reverse("organization-switch"), {"organization": world.other.pk})
    assert response.status_code == 404
    assert SESSION_KEY not in client.session


# --- What the pages show -------------------------------------------------------------------
@time_machine.travel(dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC), tick=False)
def test_dashboard_shows_standing_grid_and_alerts(world: World) -> None:
    html = signed_in(world.users["viewer"]).get(reverse("dashboard")).content.decode()
    assert "61.3" in html and "Needs improvement" in html  # 61.25 rounded half-up
    assert '<span class="status status-breach">breach</span>' in html
    assert '<span class="status status-watch">watch</span>' in html
    assert '<span class="status status-insufficient_data">insufficient data</span>' in html
    assert "89.5 %" in html
    assert "in breach 3 periods in a row (2026-07, 2026-08, 2026-09)" in html
    assert "Northwind Billing</strong>: report for 2026-09 received late" in html
    # No report for 2026-10 by its due date (business day 10 of November): listed as missing.
    assert (
        "report for 2026-10 missing: not received; it was due 2026-11-13, and its KPIs are "
        "scored not reported." in html
    )
    assert "First-pass claim acceptance rate" in html


def test_vendor_page_shows_contract_terms_reports_and_scorecards(world: World) -> None:
    html = (
        signed_in(world.users["viewer"])
        .get(reverse("vendor-detail", args=[world.vendor.pk]))
        .content.decode()
    )
    assert "Contract 1, version 1" in html and "Percent of collections" in html
    assert "95 %" in html  # the first-pass benchmark of the default template
    assert "2026-09" in html and "Make PDF" in html
    assert "Fee" not in html.split('id="cards-h"')[1].split("</thead>")[0]  # viewer: no fees
    finance = (
        signed_in(world.users["finance"])
        .get(reverse("vendor-detail", args=[world.vendor.pk]))
        .content.decode()
    )
    assert "36,000.00 USD" in finance  # 600000 x 6 %


def test_compare_shows_money_only_to_finance(world: World) -> None:
    query = {"vendor": [world.vendor.pk, world.vendor2.pk], "start": "2026-08", "end": "2026-09"}
    viewer = signed_in(world.users["viewer"]).get(reverse("compare"), query).content.decode()
    assert "Average score" in viewer and "76.6" in viewer  # (92.0 + 61.25) / 2 = 76.625
    assert "Effective rate" not in viewer
    finance = signed_in(world.users["finance"]).get(reverse("compare"), query).content.decode()
    # Northwind: fees 30000 + 36000 on payments 1,100,000 -> 6 %; claims 9000 -> 7.33 a claim.
    assert "66,000.00 USD" in finance
    assert "6 %" in finance
    assert "7.33 USD" in finance
    # What-if: Northwind's volumes under the other vendor's 4.50 per claim: 9000 x 4.50.
    assert "40,500.00 USD" in finance
    # ... and the other vendor's volumes under Northwind's 6 %: 400000 x 6 % = 24,000.
    assert "24,000.00 USD" in finance


def test_compliance_page_shows_adherence_breaches_and_expiries(world: World) -> None:
    from vendors.services import vendor_update

    vendor_update(vendor=world.vendor, baa_expires_on=dt.date(2020, 1, 1))
    html = (
        signed_in(world.users["compliance"])
        .get(reverse("compliance"), {"end": "2026-09"})
        .content.decode()
    )
    assert "100.0 %" in html  # 2026-08: 6 of 6 meet
    assert "60.0 %" in html  # 2026-09: 3 of 5 evaluated meet (insufficient data left out)
    assert "expired" in html
    assert "First-pass claim acceptance rate" in html


def test_finance_page_totals(world: World) -> None:
    html = (
        signed_in(world.users["finance"])
        .get(reverse("finance"), {"end": "2026-09"})
        .content.decode()
    )
    assert "66,000.00" in html and "900.00" in html and "65,100.00" in html


# --- Exports are safe against formula injection --------------------------------------------
def test_finance_csv_export_exact_and_guarded(world: World) -> None:
    response = signed_in(world.users["finance"]).get(
        reverse("finance-export", args=["csv"]), {"end": "2026-09"}
    )
    assert response["Content-Disposition"] == 'attachment; filename="finance-2026-09.csv"'
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == (
        "vendor,period,currency,fee,credit,net,effective_rate_percent,cost_per_claim"
    )
    assert lines[1] == '"\'=HYPERLINK(""http://x"")",2026-09,USD,13500.00,0.00,13500.00,,'
    assert lines[2] == "Northwind Billing,2026-08,USD,30000.00,0.00,30000.00,,"
    assert lines[3] == "Northwind Billing,2026-09,USD,36000.00,900.00,35100.00,,"


def test_finance_xlsx_export_guarded(world: World) -> None:
    response = signed_in(world.users["admin"]).get(
        reverse("finance-export", args=["xlsx"]), {"end": "2026-09"}
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A2"].value == '\'=HYPERLINK("http://x")'
    assert sheet["A2"].data_type == "s"
    assert sheet["D3"].value == 30000
    assert [c.value for c in sheet[1]][:3] == ["vendor", "period", "currency"]


def test_compliance_exports(world: World) -> None:
    client = signed_in(world.users["compliance"])
    csv_lines = (
        client.get(reverse("compliance-export", args=["breaches", "csv"]), {"end": "2026-09"})
        .content.decode("utf-8-sig")
        .splitlines()
    )
    assert csv_lines == [
        "vendor,period,kpi,value,benchmark,warning,unit",
        "Northwind Billing,2026-09,first_pass_acceptance_rate,89.500000,95.0000,90.0000,percent",
    ]
    book = load_workbook(
        io.BytesIO(
            client.get(
                reverse("compliance-export", args=["adherence", "xlsx"]), {"end": "2026-09"}
            ).content
        )
    ).active
    rows = [[c.value for c in r] for r in book.iter_rows(min_row=2)]
    assert ['\'=HYPERLINK("http://x")', "2026-09", 6, 6, 100, "meets"] in rows
    assert ["Northwind Billing", "2026-09", 3, 5, 60, "breach"] in rows
    assert client.get(reverse("compliance-export", args=["nope", "csv"])).status_code == 404
    assert client.get(reverse("compliance-export", args=["breaches", "pdf"])).status_code == 404


# --- Administrators manage vendors, contracts and users ------------------------------------
def test_admin_adds_a_vendor_and_a_contract(world: World) -> None:
    client = signed_in(world.users["admin"])
    response = client.post(
        reverse("vendor-create"), {"name": "Harbor Coding", "services": ["coding"]}
    )
    vendor = Vendor.objects.get(organization=world.org, slug="harbor-coding")
    assert response.status_code == 302
    assert response["Location"] == reverse("vendor-detail", args=[vendor.pk])
    response = client.post(
        reverse("contract-create", args=[vendor.pk]),
        {
            "start_date": "2026-01-01",
            "currency": "USD",
            "pricing_model": "flat_monthly",
            "flat_monthly_fee": "18500",
            "at_risk_percent": "10",
            "report_due_business_day": "10",
            "cure_period_days": "60",
        },
    )
    assert response.status_code == 302
    contract = vendor.contracts.get()
    assert contract.flat_monthly_fee == Decimal("18500.00")
    assert contract.sla_terms.count() == 6


def test_service_refusal_shows_on_the_form(world: World) -> None:
    client = signed_in(world.users["admin"])
    response = client.post(
        reverse("contract-create", args=[world.vendor2.pk]),
        {
            "start_date": "2026-01-01",
            "currency": "USD",
            "pricing_model": "per_claim",
            "at_risk_percent": "10",
            "report_due_business_day": "10",
            "cure_period_days": "60",
        },
    )
    assert response.status_code == 400
    assert "A per-claim contract needs a fee per claim." in response.content.decode()


def test_admin_edits_a_vendor_and_sees_a_refusal_on_the_form(world: World) -> None:
    client = signed_in(world.users["admin"])
    url = reverse("vendor-edit", args=[world.vendor.pk])
    base = {"name": world.vendor.name, "slug": world.vendor.slug, "services": ["billing"]}
    response = client.post(url, {**base, "certified_coders": "12"})
    assert response.status_code == 302
    assert response["Location"] == reverse("vendor-detail", args=[world.vendor.pk])
    world.vendor.refresh_from_db()
    assert (world.vendor.certified_coders, world.vendor.services) == (12, ["billing"])
    refused = client.post(
        url, {**base, "baa_signed_on": "2026-05-01", "baa_expires_on": "2026-01-01"}
    )
    assert refused.status_code == 400
    assert "The BAA cannot expire before it was signed." in refused.content.decode()


def test_admin_amends_a_contract_from_a_date(world: World) -> None:
    client = signed_in(world.users["admin"])
    response = client.post(
        reverse("contract-amend", args=[world.contract.pk]),
        {
            "start_date": "2026-07-01",
            "currency": "USD",
            "pricing_model": "percent_of_collections",
            "percent_of_collections": "5.5",
            "at_risk_percent": "10",
            "report_due_business_day": "10",
            "cure_period_days": "60",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "Contract 1 version 2 takes effect 2026-07-01." in response.content.decode()
    world.contract.refresh_from_db()
    new = world.contract.amended_by
    assert (world.contract.end_date, new.version, new.percent_of_collections) == (
        dt.date(2026, 6, 30),
        2,
        Decimal("5.500"),
    )


def test_admin_creates_a_login_and_changes_a_role(world: World) -> None:
    from vendors.models import Membership

    client = signed_in(world.users["admin"])
    response = client.post(
        reverse("manage"),
        {"username": "newbie", "password": "a-long-password-1", "role": "finance"},
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user__username="newbie")
    assert (membership.organization, membership.role) == (world.org, "finance")
    client.post(reverse("member-role", args=[membership.pk]), {"role": "viewer"})
    membership.refresh_from_db()
    assert membership.role == "viewer"
    other = OrganizationFactory()
    foreign = member(other, Role.VIEWER)
    foreign_membership = foreign.memberships.get()
    assert (
        client.post(reverse("member-role", args=[foreign_membership.pk]), {"role": "admin"})
    ).status_code == 404
