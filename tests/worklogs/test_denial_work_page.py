"""The denial-work page shows the month's measures: rates with one decimal, money as dollars,
the overdue list largest value first; without a log, what to upload."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import ContractFactory, member
from tests.test_vendor_isolation import _measures
from vendors.models import Role

pytestmark = pytest.mark.django_db


def test_page_shows_the_measures_and_the_empty_state(org: Any) -> None:
    contract = ContractFactory(vendor__organization=org, vendor__slug="acme", vendor__name="Acme")
    side = type("S", (), {"vendor": contract.vendor})()
    m = _measures(side)  # type: ignore[arg-type]
    m.first_touch_within_sla_rate = D("92.4500")
    m.recovered_cents, m.denied_cents = 123456, 1000000
    m.overdue = [
        {"denial_id": "D-small", "amount_cents": 500, "milestone": "appeal", "days_overdue": 3},
        {
            "denial_id": "D-big",
            "amount_cents": 250000,
            "milestone": "first_touch",
            "days_overdue": 9,
        },
    ]
    m.overdue_count = 2
    m.save()
    client = Client()
    client.force_login(member(org, Role.ADMIN))
    html = client.get(reverse("denial-work", args=[contract.vendor.pk, "2026-01"])).content.decode()
    assert "92.5 %" in html
    assert "$1,234.56 recovered of $10,000.00 denied" in html
    assert html.index("D-big") < html.index("D-small")
    assert "$2,500.00" in html
    empty = client.get(
        reverse("denial-work", args=[contract.vendor.pk, "2025-12"])
    ).content.decode()
    assert "No denial work log for 2025-12" in empty
    assert "import_denial_log FILE --vendor acme" in empty
