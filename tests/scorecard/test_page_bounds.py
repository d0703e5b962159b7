"""Pages' lists are bounded (``PAGE_LIST_LIMIT``) with the full count and a "see all" link,
finance and compliance show the newest month first, and a malformed ``?end=`` is a 400 naming
the parameter (never a silent fallback, never a 500)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import VendorFactory, member
from tests.scorecard.test_page_queries import build
from vendors.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_and_org(settings: Any) -> tuple[Client, Any]:
    o = build(settings, vendors=3, months=12)
    client = Client()
    client.force_login(o.admin)
    return client, o


def test_dashboard_lists_are_bounded_with_the_full_count(
    settings: Any, client_and_org: tuple[Client, Any]
) -> None:
    client, _ = client_and_org
    settings.PAGE_LIST_LIMIT = 4
    text = client.get(reverse("dashboard")).content.decode()
    # six open items (two per vendor), four shown; three termination rights, all shown
    assert "4 of 6 shown, soonest deadline first." in text
    assert text.count('<span class="tag tag-open">') == 4
    assert "See all on the remediation board" in text
    assert text.count('<li class="alert alert-breach"><strong>Vendor') == 3 + 9  # rights, missing
    settings.PAGE_LIST_LIMIT = 2
    text = client.get(reverse("dashboard")).content.decode()
    assert "2 of 6 shown" in text and "2 of 3 shown, newest first." in text


def test_finance_and_compliance_show_the_newest_month_first(
    client_and_org: tuple[Client, Any],
) -> None:
    client, _ = client_and_org
    for name in ("finance", "compliance"):
        text = client.get(reverse(name), {"end": "2026-06"}).content.decode()
        heads = re.findall(r'<th scope="col">(\d{4}-\d{2})</th>', text)
        assert heads == [f"2026-{m:02d}" for m in range(6, 0, -1)] + [
            f"2025-{m:02d}" for m in range(12, 6, -1)
        ], name
        assert "2025-07 to 2026-06" in text


@pytest.mark.parametrize(
    "name", ["finance", "compliance", "finance-export", "compliance-export", "vendor-detail"]
)
@pytest.mark.parametrize(
    "end", ["2026-13", "26-01", "2026-1", "\uff12\uff10\uff12\uff16-01", "2026-01 ", "x"]
)
def test_a_malformed_end_is_a_400_naming_it(org: Any, name: str, end: str) -> None:
    client = Client()
    client.force_login(member(org, Role.ADMIN))
    args = {
        "finance-export": ["csv"],
        "compliance-export": ["breaches", "csv"],
        "vendor-detail": [VendorFactory(organization=org).pk],
    }.get(name, [])
    response = client.get(reverse(name, args=args), {"end": end})
    assert response.status_code == 400
    assert "end must be a period written YYYY-MM, like 2026-01." in response.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2026-13"}, "start must be a period written YYYY-MM, like 2026-01."),
        ({"start": "2026-05", "end": "2026-01"}, "start must not be after end."),
        ({"start": "2000-01", "end": "2026-01"}, "start to end may span at most 240 months."),
    ],
)
def test_compare_refuses_a_range_it_cannot_read(
    org: Any, query: dict[str, str], message: str
) -> None:
    client = Client()
    client.force_login(member(org, Role.ADMIN))
    response = client.get(reverse("compare"), query)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_what_if_over_periods_prices_each_month_then_adds_up() -> None:
    from decimal import Decimal as D

    from scorecard import pricing

    terms = pricing.PricingTerms(
        pricing_model=pricing.PER_CLAIM, fee_per_claim=D("3.10"), monthly_minimum=D("5000")
    )
    # 1,000 claims cost 3,100.00, raised to the 5,000.00 minimum; 4,000 claims cost 12,400.00
    got = pricing.what_if_over_periods(
        terms,
        [(D("100000"), D("1000")), (D("250000"), D("4000"))],
        payments=D("350000"),
        claims_submitted=D("5000"),
    )
    assert got is not None
    assert (got.fee, got.effective_rate, got.cost_per_claim) == (
        D("17400.00"),
        D("4.971428571428571428571428571"),
        D("3.48"),
    )
    assert (
        pricing.what_if_over_periods(
            terms, [(D("1"), None)], payments=D("1"), claims_submitted=None
        )
        is None
    )
    assert pricing.what_if_over_periods(terms, [], payments=None, claims_submitted=None) is None
