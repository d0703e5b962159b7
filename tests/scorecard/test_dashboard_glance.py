"""Issue 17, dashboard at a glance and small things: plural-aware wording, the 403 page's
navigation, the dashboard's new alerts and bounded lists."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scorecard.templatetags.pages import kpi_value
from tests.factories import OrganizationFactory, VendorFactory, member
from vendors.models import Role

pytestmark = pytest.mark.django_db


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_kpi_values_say_day_for_one_and_days_for_two() -> None:
    assert kpi_value(D("1"), "business_days") == "1 business day"
    assert kpi_value(D("1.00"), "days") == "1 day"
    assert kpi_value(D("2"), "business_days") == "2 business days"
    assert kpi_value(D("0.5"), "days") == "0.5 days"


def test_403_page_keeps_the_navigation_for_a_member_without_the_role() -> None:
    org = OrganizationFactory(name="Practice A")
    viewer = member(org, Role.VIEWER, user__username="vic")
    response = signed_in(viewer).get(reverse("finance"))
    assert response.status_code == 403
    text = response.content.decode()
    assert "Your role (Viewer) in Practice A does not allow this page." in text
    assert '<nav class="mainnav" aria-label="Main">' in text
    assert f'href="{reverse("dispute-list")}"' in text or 'href="/vendors/"' in text
    assert "vic" in text  # the signed-in user's name in the header


def test_compliance_expiries_say_day_for_one(settings: Any) -> None:
    org = OrganizationFactory()
    admin = member(org, Role.ADMIN)
    today = dt.date.today()
    VendorFactory(organization=org, name="Acme", baa_expires_on=today - dt.timedelta(days=1))
    VendorFactory(organization=org, name="Bolt", baa_expires_on=today - dt.timedelta(days=2))
    VendorFactory(organization=org, name="Cobalt", baa_expires_on=today + dt.timedelta(days=1))
    text = signed_in(admin).get(reverse("compliance")).content.decode()
    assert "expired 1 day ago" in text
    assert "expired 2 days ago" in text
    assert "expires in 1 day<" in text


# --- Dashboard: change against last month and sparkline ---------------------------------------
def _acme(org: Any) -> Any:
    from tests.factories import ContractFactory

    return ContractFactory(vendor__organization=org, vendor__name="Acme", vendor__slug="acme")


def test_change_against_last_month_and_sparkline_per_kpi() -> None:
    from scorecard import dashboard_glance as glance
    from scorecard.page_selectors import _newest_cards, _vendors_with_newest
    from tests.factories import make_scorecard

    org = OrganizationFactory()
    contract = _acme(org)
    # 2026-01 is superseded (not current); 2026-02 has no value; 2026-05 is the newest
    for period, dar, ccr in [
        ("2025-10", "50", "90"),
        ("2025-11", "48", "91"),
        ("2025-12", "44", "93.5"),
        ("2026-03", "41", "95"),
        ("2026-04", "42", "95"),
        ("2026-05", "41", "97.1"),
    ]:
        make_scorecard(
            contract,
            period,
            {"days_in_ar": (dar, "meets"), "first_pass_acceptance_rate": (ccr, "meets")},
        )
    make_scorecard(contract, "2026-02", {"days_in_ar": (None, "not_reported")})
    make_scorecard(contract, "2026-01", {"days_in_ar": ("99", "breach")}, is_current=False)
    vendors = _vendors_with_newest(org)
    trends = glance.trends(_newest_cards(vendors))[contract.vendor_id]
    dar, ccr = trends["days_in_ar"], trends["first_pass_acceptance_rate"]
    # six newest current scorecards: 2025-11 .. 2026-05 (2026-01 superseded, 2025-10 too old),
    # 2026-02 without a value left out
    assert [p for p, _ in dar.points] == ["2025-11", "2025-12", "2026-03", "2026-04", "2026-05"]
    assert dar.change == D("-1") and dar.change_text == "down 1 day from April"
    assert ccr.change == D("2.1") and ccr.change_text == "up 2.1 pts from April"
    # six months across 60 px; 48 (high) at the top (y 1), 41 (low) at the bottom (y 17)
    assert dar.polyline == "0.0,1.0 10.0,10.1 40.0,17.0 50.0,14.7 60.0,17.0"


def test_change_text_for_two_days_unchanged_and_no_previous_month() -> None:
    from scorecard.dashboard_glance import Trend

    pts = ((("2026-04"), D("40")), ("2026-05", D("42")))
    assert Trend(pts, D("2"), "2026-04", "days").change_text == "up 2 days from April"
    assert Trend(pts, D("0"), "2026-04", "days").change_text == "unchanged from April"
    assert Trend(pts, D("1"), "2026-04", "business_days").change_text == (
        "up 1 business day from April"
    )
    assert Trend(pts, None, "2026-04", "days").change_text == ""
    assert Trend(pts[:1], None, "2026-04", "days").polyline == ""


def test_dashboard_shows_change_and_sparkline_with_text(settings: Any) -> None:
    from tests.factories import make_scorecard

    org = OrganizationFactory()
    admin = member(org, Role.ADMIN)
    contract = _acme(org)
    make_scorecard(contract, "2026-04", {"days_in_ar": ("42", "meets")})
    make_scorecard(contract, "2026-05", {"days_in_ar": ("41", "meets")})
    text = signed_in(admin).get(reverse("dashboard")).content.decode()
    assert '<span class="change">down 1 day from April</span>' in text
    assert 'aria-label="Days in accounts receivable, last 2 months: 42 days, 41 days"' in text
    assert '<polyline points="0.0,1.0 60.0,17.0"' in text


# --- Dashboard: new alerts -------------------------------------------------------------------
def test_baa_and_assessment_expiries_are_alerts_with_plural_wording() -> None:
    from django.utils import timezone

    org = OrganizationFactory()
    admin = member(org, Role.ADMIN)
    today = timezone.localdate()
    VendorFactory(
        organization=org,
        name="Acme",
        baa_expires_on=today - dt.timedelta(days=1),
        last_security_risk_assessment_on=today - dt.timedelta(days=367),
    )
    VendorFactory(
        organization=org,
        name="Bolt",
        baa_expires_on=today + dt.timedelta(days=1),
        last_security_risk_assessment_on=today - dt.timedelta(days=300),
    )
    VendorFactory(organization=org, name="Cobalt", baa_expires_on=today + dt.timedelta(days=200))
    text = signed_in(admin).get(reverse("dashboard")).content.decode()
    section = text.split('id="expiries"')[1].split("</ul>")[0]
    lines = [line.split(">", 1)[1] for line in section.split("<li ")[1:]]
    assert [line.replace("<strong>", "").split(" (")[0] for line in lines] == [
        "Acme</strong>: Security risk assessment expired 2 days ago",
        "Acme</strong>: Business associate agreement expired 1 day ago",
        "Bolt</strong>: Business associate agreement expires in 1 day",
        "Bolt</strong>: Security risk assessment expires in 65 days",
    ]
    assert "Cobalt" not in section


def test_overdue_cure_deadlines_are_alerts(settings: Any) -> None:
    from django.utils import timezone

    from tests.factories import make_remediation

    settings.PAGE_LIST_LIMIT = 2
    org = OrganizationFactory()
    admin = member(org, Role.ADMIN)
    contract = _acme(org)
    today = timezone.localdate()
    make_remediation(contract, "days_in_ar", cure_deadline=today - dt.timedelta(days=1))
    make_remediation(contract, "clean_claim_rate", cure_deadline=today - dt.timedelta(days=2))
    make_remediation(contract, "denial_rate", cure_deadline=today - dt.timedelta(days=3))
    make_remediation(contract, "first_pass_acceptance_rate", cure_deadline=today)
    text = signed_in(admin).get(reverse("dashboard")).content.decode()
    section = text.split('id="overdue-cures"')[1].split("</ul>")[0]
    assert "passed 3 days ago" in section and "passed 2 days ago" in section
    assert "passed 1 day" not in section  # bounded: the two oldest of three
    assert "2 of 3 shown." in text


def test_unanswered_disputes_bounded_with_see_all(settings: Any) -> None:
    from django.utils import timezone

    from disputes.models import Dispute
    from tests.factories import make_scorecard

    settings.PAGE_LIST_LIMIT = 2
    org = OrganizationFactory()
    admin = member(org, Role.ADMIN)
    contract = _acme(org)
    card = make_scorecard(contract, "2026-05", {"days_in_ar": ("41", "meets")})
    now = timezone.now()
    for days in (30, 20, 15, 1):  # the last is not yet due
        Dispute.objects.create(
            organization=org,
            vendor=contract.vendor,
            scorecard=card,
            period=card.period,
            reason="x",
            status="open",
            opened_by=admin,
            opened_by_name="admin",
            opened_at=now - dt.timedelta(days=days),
        )
    text = signed_in(admin).get(reverse("dashboard")).content.decode()
    section = text.split('id="unanswered-disputes"')[1].split("</ul>")[0]
    assert section.count("<li ") == 2
    assert '2 of 3 shown, oldest first. <a href="/disputes/?status=open">' in text
