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
