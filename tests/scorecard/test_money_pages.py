"""Finance and compliance at a glance (#17): newest month first, this month's cards, totals, the
fees chart, links to each scorecard, validated ranges, the XLSX's formats and totals, and the
compliance heat map coloured by the worst status of the month."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import ContractFactory, VendorFactory, make_scorecard, member
from vendors.models import Role

pytestmark = pytest.mark.django_db

KPIS = (
    "first_pass_acceptance_rate",
    "denial_rate",
    "days_in_ar",
    "net_collection_rate",
    "coding_turnaround_hours",
    "resubmission_turnaround_business_days",
)


def _statuses(**changed: str) -> dict[str, tuple[str, str]]:
    return {code: ("1", changed.get(code, "meets")) for code in KPIS}


def _contract(org: Any, name: str, currency: str = "USD") -> Any:
    vendor = VendorFactory(organization=org, name=name)
    return ContractFactory(vendor=vendor, organization=org, currency=currency)


@pytest.fixture
def money(org: Any) -> dict[str, Any]:
    """Alpha (USD, two months), Beta (USD, one), Gamma (EUR, one), with fees and credits."""
    alpha, beta, gamma = (
        _contract(org, "Alpha Billing"),
        _contract(org, "Beta Coding"),
        _contract(org, "Gamma Europe", "EUR"),
    )
    cards = {
        "alpha-08": make_scorecard(alpha, "2026-08", _statuses(), fee="30000", credit="0"),
        "alpha-09": make_scorecard(
            alpha, "2026-09", _statuses(denial_rate="breach"), fee="36000", credit="900"
        ),
        "beta-09": make_scorecard(
            beta, "2026-09", _statuses(days_in_ar="watch"), fee="13500", credit="0"
        ),
        "gamma-09": make_scorecard(gamma, "2026-09", _statuses(), fee="1000", credit="100"),
    }
    client = Client()
    client.force_login(member(org, Role.ADMIN))
    return {"client": client, "cards": cards, "alpha": alpha}


def _page(client: Client, name: str, **query: str) -> str:
    response = client.get(reverse(name), query)
    assert response.status_code == 200
    return response.content.decode()


def test_finance_months_newest_first_then_the_totals_columns(money: dict[str, Any]) -> None:
    html = _page(money["client"], "finance", end="2026-09")
    head = html.split("<thead>")[1].split("</thead>")[0]
    heads = re.findall(r'<th scope="col">([^<]+)</th>', head)
    months = [f"2026-{m:02d}" for m in range(9, 0, -1)] + ["2025-12", "2025-11", "2025-10"]
    assert heads == ["Vendor", *months, "Total fee", "Total credit", "Net"]


def test_finance_this_month_cards_per_currency(money: dict[str, Any]) -> None:
    html = _page(money["client"], "finance", end="2026-09")
    assert "This month: 2026-09" in html
    cards = re.findall(
        r'<div class="money-cards" data-currency="(\w+)">.*?data-card="fee">([^<]+)<.*?'
        r'data-card="credit">([^<]+)<.*?data-card="net"><strong>([^<]+)<',
        html,
        re.S,
    )
    assert cards == [
        ("EUR", "1,000.00 EUR", "100.00 EUR", "900.00 EUR"),
        ("USD", "49,500.00 USD", "900.00 USD", "48,600.00 USD"),  # 36000 + 13500; 900 credit
    ]
    assert "2 scorecards in 2026-09." in html and "1 scorecard in 2026-09." in html


def test_finance_totals_row_per_currency_and_month(money: dict[str, Any]) -> None:
    html = _page(money["client"], "finance", end="2026-09")
    usd = html.split('<tr class="totals-row" data-currency="USD">')[1].split("</tr>")[0]
    cells = re.findall(r'<td class="num[^"]*"[^>]*>(.*?)</td>', usd, re.S)
    assert cells[0] == '49,500.00<br><span class="credit">credit 900.00</span>'  # 2026-09
    assert cells[1] == "30,000.00"  # 2026-08
    assert cells[2:12] == ["0.00"] * 10
    assert cells[12:] == ["<strong>79,500.00</strong>", "900.00", "<strong>78,600.00</strong>"]


def test_finance_links_each_cell_to_its_pdf_and_each_row_to_the_vendor(
    money: dict[str, Any],
) -> None:
    html = _page(money["client"], "finance", end="2026-09")
    for card in money["cards"].values():
        assert f'action="{reverse("scorecard-pdf", args=[card.pk])}"' in html
    assert html.count('class="cell-pdf"') == 4
    assert f'href="{reverse("vendor-detail", args=[money["alpha"].vendor_id])}"' in html
    assert 'PDF<span class="visually-hidden"> of Alpha Billing 2026-09</span>' in html


def test_finance_chart_bars_scaled_to_the_largest_month(money: dict[str, Any]) -> None:
    html = _page(money["client"], "finance", end="2026-09")
    usd = html.split("Fees and credits by month (USD)")[1].split("</svg>")[0]
    bar = r'<rect class="bar-(\w+)" x="(\d+)" y="(\d+)" width="18" height="(\d+)">'
    bars = re.findall(bar, usd)
    assert len(bars) == 24  # twelve months, fee and credit, oldest on the left
    # 2026-08 (11th month): 30,000 of the top 49,500 -> 97 of 160; 2026-09: the full height,
    # and its 900 credit -> 3.
    assert bars[20:] == [
        ("fee", "568", "63", "97"),
        ("credit", "588", "160", "0"),
        ("fee", "624", "0", "160"),
        ("credit", "644", "157", "3"),
    ]
    assert "the largest is 49,500.00. The totals row of the table above gives every month." in usd


def test_finance_start_narrows_the_range(money: dict[str, Any]) -> None:
    html = _page(money["client"], "finance", start="2026-08", end="2026-09")
    heads = re.findall(r'<th scope="col">(\d{4}-\d{2})</th>', html)
    assert heads == ["2026-09", "2026-08"]
    assert "2026-08 to 2026-09" in html


@pytest.mark.parametrize("name", ["finance", "compliance", "finance-export", "compliance-export"])
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"end": "2026-13"}, "end must be a period written YYYY-MM, like 2026-01."),
        ({"start": "2026-1", "end": "2026-09"}, "start must be a period written YYYY-MM"),
        ({"start": "2026-10", "end": "2026-09"}, "start must not be after end."),
        ({"start": "2023-09", "end": "2026-09"}, "start to end may span at most 36 months."),
    ],
)
def test_money_pages_refuse_a_range_naming_the_field(
    money: dict[str, Any], name: str, query: dict[str, str], message: str
) -> None:
    args = {"finance-export": ["xlsx"], "compliance-export": ["adherence", "xlsx"]}.get(name, [])
    response = money["client"].get(reverse(name, args=args), query)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_thirty_six_months_are_accepted(money: dict[str, Any]) -> None:
    html = _page(money["client"], "finance", start="2023-10", end="2026-09")
    assert len(re.findall(r'<th scope="col">(\d{4}-\d{2})</th>', html)) == 36


def test_finance_xlsx_has_formats_frozen_header_and_totals(money: dict[str, Any]) -> None:
    response = money["client"].get(reverse("finance-export", args=["xlsx"]), {"end": "2026-09"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.freeze_panes == "A2"
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=2)]
    assert rows[:2] == [
        ["Alpha Billing", "2026-08", "USD", 30000, 0, 30000, None, None],
        ["Alpha Billing", "2026-09", "USD", 36000, 900, 35100, None, None],
    ]
    assert rows[-2:] == [
        ["Total", "2025-10 to 2026-09", "EUR", 1000, 100, 900, None, None],
        ["Total", "2025-10 to 2026-09", "USD", 79500, 900, 78600, None, None],
    ]
    assert [sheet.cell(row=2, column=c).number_format for c in (4, 5, 6, 7, 8)] == [
        "#,##0.00"
    ] * 3 + ['0.00" %"', "#,##0.00"]
    assert sheet.cell(row=sheet.max_row, column=4).number_format == "#,##0.00"
    assert sheet.cell(row=sheet.max_row, column=1).font.b is True
    assert sheet.cell(row=1, column=1).font.b is True


def test_finance_csv_keeps_one_row_per_vendor_month_without_totals(
    money: dict[str, Any],
) -> None:
    response = money["client"].get(reverse("finance-export", args=["csv"]), {"end": "2026-09"})
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[1:] == [
        "Alpha Billing,2026-08,USD,30000.00,0.00,30000.00,,",
        "Alpha Billing,2026-09,USD,36000.00,900.00,35100.00,,",
        "Beta Coding,2026-09,USD,13500.00,0.00,13500.00,,",
        "Gamma Europe,2026-09,EUR,1000.00,100.00,900.00,,",
    ]


def test_compliance_heat_map_is_coloured_by_the_worst_status(money: dict[str, Any]) -> None:
    html = _page(money["client"], "compliance", start="2026-07", end="2026-09")
    table = html.split('<table class="grid adherence')[1].split("</table>")[0]
    rows = {
        name: re.findall(r'<td class="num heat-(\w+)" data-label="(\d{4}-\d{2})">', row)
        for name, row in re.findall(
            r'<th scope="row"><a [^>]*>([^<]+)</a></th>(.*?)</tr>', table, re.S
        )
    }
    assert rows == {
        # 5 of 6 meet with one breach (83.3 %) is a breach month, not a "mostly met" one.
        "Alpha Billing": [("breach", "2026-09"), ("meets", "2026-08"), ("none", "2026-07")],
        "Beta Coding": [("watch", "2026-09"), ("none", "2026-08"), ("none", "2026-07")],
        "Gamma Europe": [("meets", "2026-09"), ("none", "2026-08"), ("none", "2026-07")],
    }
    assert '83.3 %<br><span class="small">5/6 · worst breach</span>' in table
    legend = html.split('id="heat-legend">')[1].split("</p>")[0]
    assert re.findall(r'class="status status-(\w+)">([^<]+)<', legend) == [
        ("breach", "worst: breach"),
        ("watch", "worst: watch"),
        ("meets", "worst: meets"),
        ("none", "nothing evaluated"),
    ]


def test_compliance_xlsx_gives_the_worst_status_and_formats(money: dict[str, Any]) -> None:
    response = money["client"].get(
        reverse("compliance-export", args=["adherence", "xlsx"]),
        {"start": "2026-09", "end": "2026-09"},
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.freeze_panes == "A2"
    assert [[c.value for c in r] for r in sheet.iter_rows(min_row=2)] == [
        ["Alpha Billing", "2026-09", 5, 6, 83.3, "breach"],
        ["Beta Coding", "2026-09", 5, 6, 83.3, "watch"],
        ["Gamma Europe", "2026-09", 6, 6, 100, "meets"],
    ]
    assert sheet["E2"].number_format == '0.00" %"'


@pytest.mark.parametrize("name", ["finance", "compliance"])
def test_money_pages_cost_the_same_queries_for_more_vendors_and_months(
    org: Any, money: dict[str, Any], django_assert_num_queries: Any, name: str
) -> None:
    client = money["client"]
    expected = {"finance": 4, "compliance": 7}[name]
    with django_assert_num_queries(expected):
        client.get(reverse(name), {"end": "2026-09"})
    for i in range(5):
        contract = _contract(org, f"More {i}")
        for period in ("2026-06", "2026-07", "2026-08", "2026-09"):
            make_scorecard(contract, period, _statuses(denial_rate="watch"), fee="10", credit="1")
    with django_assert_num_queries(expected):
        client.get(reverse(name), {"start": "2024-10", "end": "2026-09"})
