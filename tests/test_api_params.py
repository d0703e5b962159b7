"""Every API query parameter is validated: a 400 naming the parameter, never a 500 (issue 18,
items 4 and 8): limit and offset bounded, periods, booleans, ids and dates read strictly, control
characters refused, and a vendor filter taking an id or a slug on every resource alike."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal as D

import pytest

from scorecard.services.evaluation import evaluate
from tests.factories import ContractFactory, VendorFactory, make_remediation
from tests.scorecard.helpers import report
from vendors.services import aliases

pytestmark = pytest.mark.django_db

LISTS = [
    "/api/v1/vendors/",
    "/api/v1/contracts/",
    "/api/v1/kpis/",
    "/api/v1/reports/",
    "/api/v1/column-aliases/",
    "/api/v1/scorecards/",
    "/api/v1/remediations/",
]
# Resources whose records belong to a vendor, and so take the vendor filter.
BY_VENDOR = [
    "/api/v1/contracts/",
    "/api/v1/reports/",
    "/api/v1/column-aliases/",
    "/api/v1/scorecards/",
    "/api/v1/remediations/",
]


JANUARY = {"start_date": dt.date(2026, 1, 1), "end_date": dt.date(2026, 1, 31)}


@pytest.fixture
def acme(org):
    """A vendor of organization A with a contract, a report, a scorecard, an alias, an item
    (the contract covers January alone: every month of a contract is measured)."""
    contract = ContractFactory(
        vendor__organization=org, vendor__slug="acme", vendor__name="Acme", **JANUARY
    )
    report(contract.vendor, "2026-01", days_in_ar=D("60"), payments=D("250000"))
    evaluate(vendor_ids=[contract.vendor.pk])
    aliases.column_alias_create(vendor=contract.vendor, header="AR Days", target="days_in_ar")
    _one_remediation(contract)
    return contract.vendor


@pytest.fixture
def summit(org):
    """A second vendor of organization A, with the same kinds of records."""
    contract = ContractFactory(
        vendor__organization=org, vendor__slug="summit", vendor__name="Summit", **JANUARY
    )
    report(contract.vendor, "2026-01", days_in_ar=D("40"), payments=D("100000"))
    evaluate(vendor_ids=[contract.vendor.pk])
    aliases.column_alias_create(vendor=contract.vendor, header="AR", target="days_in_ar")
    _one_remediation(contract)
    return contract.vendor


@pytest.fixture
def foreign(other_org):
    """A vendor of organization B, with the same kinds of records."""
    contract = ContractFactory(vendor__organization=other_org, vendor__slug="beta", **JANUARY)
    report(contract.vendor, "2026-01", days_in_ar=D("60"))
    evaluate(vendor_ids=[contract.vendor.pk])
    aliases.column_alias_create(vendor=contract.vendor, header="AR Days", target="days_in_ar")
    _one_remediation(contract)
    return contract.vendor


def _one_remediation(contract):
    """The evaluation opened an item for the breach; else one is made."""
    from scorecard.models import RemediationItem

    if not RemediationItem.objects.filter(contract=contract).exists():
        make_remediation(contract, "days_in_ar")
    assert RemediationItem.objects.filter(contract=contract).count() == 1


def _vendor_slugs(body: dict) -> set[str]:
    """The vendor of each record listed (its slug), whatever the resource calls the field."""
    found = set()
    for row in body["results"]:
        found.add(row.get("vendor_slug") or row.get("vendor"))
    return found


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize(
    ("query", "name", "message"),
    [
        ("limit=99999999999999999999", "limit", "limit must be a whole number from 1 to 500."),
        ("limit=501", "limit", "limit must be a whole number from 1 to 500."),
        ("limit=0", "limit", "limit must be a whole number from 1 to 500."),
        ("limit=-1", "limit", "limit must be a whole number from 1 to 500."),
        ("limit=ten", "limit", "limit must be a whole number from 1 to 500."),
        ("limit=%D9%A3", "limit", "limit must be a whole number from 1 to 500."),  # Arabic 3
        (
            "offset=99999999999999999999",
            "offset",
            "offset must be a whole number from 0 to 2147483647.",
        ),
        ("offset=-5", "offset", "offset must be a whole number from 0 to 2147483647."),
    ],
)
def test_limit_and_offset_are_bounded_integers(api, acme, url, query, name, message):
    answer = api.get(f"{url}?{query}")
    assert answer.status_code == 400
    assert answer.json() == {name: [message]}


@pytest.mark.parametrize("url", LISTS)
def test_limit_and_offset_page_through(api, acme, summit, url):
    everything = api.get(f"{url}?limit=500").json()
    assert everything["count"] >= 2
    ids = [row.get("id", row.get("code")) for row in everything["results"]]
    page = api.get(f"{url}?limit=1&offset=1").json()
    assert [row.get("id", row.get("code")) for row in page["results"]] == ids[1:2]
    assert api.get(f"{url}?offset=2147483647").json()["results"] == []


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("raw", ["%00", "a%00b", "%1F", "%7F", "%C2%85"])
def test_control_characters_in_a_parameter_are_refused(api, acme, url, raw):
    answer = api.get(f"{url}?vendor={raw}")
    assert answer.status_code == 400
    code = {"%00": 0, "a%00b": 0, "%1F": 0x1F, "%7F": 0x7F, "%C2%85": 0x85}[raw]
    assert answer.json() == {
        "vendor": [f"Query parameter vendor holds a control character (U+{code:04X}); remove it."]
    }


def test_a_control_character_in_a_parameter_name_is_refused_too(api, acme):
    answer = api.get("/api/v1/reports/?per%00iod=2026-01")
    assert answer.status_code == 400
    assert answer.json() == {
        "per\\x00iod": [
            "Query parameter per\\x00iod holds a control character (U+0000); remove it."
        ]
    }


def test_a_page_refuses_a_control_character_with_a_page(client, admin_user, acme):
    client.force_login(admin_user)
    answer = client.get("/vendors/?end=2026-01%00")
    assert answer.status_code == 400
    assert "Query parameter end holds a control character (U+0000); remove it." in (
        answer.content.decode()
    )


@pytest.mark.parametrize("url", BY_VENDOR)
def test_vendor_filter_takes_an_id_or_a_slug_on_every_resource(api, acme, summit, url):
    by_id = api.get(f"{url}?vendor={acme.pk}").json()
    by_slug = api.get(f"{url}?vendor=acme").json()
    assert by_id == by_slug
    assert by_id["count"] == 1
    assert _vendor_slugs(by_id) <= {"acme", acme.pk}
    assert api.get(f"{url}?vendor={summit.pk}").json()["count"] == 1
    assert api.get(f"{url}").json()["count"] == 2


@pytest.mark.parametrize("url", BY_VENDOR)
def test_another_organizations_vendor_filters_to_nothing(api, acme, foreign, url):
    for value in (foreign.pk, "beta", 99999999999999999999, "no-such-vendor"):
        answer = api.get(f"{url}?vendor={value}")
        assert answer.status_code == 200, (value, answer.content)
        assert answer.json()["count"] == 0, value


@pytest.mark.parametrize("url", BY_VENDOR)
def test_a_vendor_value_that_is_neither_id_nor_slug_is_a_400(api, acme, url):
    answer = api.get(f"{url}?vendor=acme billing")
    assert answer.status_code == 400
    assert answer.json() == {
        "vendor": ["Enter a valid “slug” consisting of letters, numbers, underscores or hyphens."]
    }


@pytest.mark.parametrize("url", BY_VENDOR)
def test_an_id_that_is_also_another_vendors_slug_is_refused_as_ambiguous(api, acme, org, url):
    VendorFactory(organization=org, name="Number vendor", slug=str(acme.pk))
    answer = api.get(f"{url}?vendor={acme.pk}")
    assert answer.status_code == 400
    assert answer.json() == {
        "vendor": [
            f"vendor {acme.pk} is ambiguous: it is the id of Acme and the slug of Number "
            f"vendor; pass vendor=acme to mean Acme, or vendor_slug={acme.pk} to mean Number "
            "vendor."
        ]
    }
    assert api.get(f"{url}?vendor=acme").json()["count"] == 1
    assert api.get(f"{url}?vendor_slug={acme.pk}").json()["count"] == 0  # it has no records
    assert api.get(f"{url}?vendor_slug=acme").json()["count"] == 1


@pytest.mark.parametrize(
    ("url", "query", "expected"),
    [
        ("/api/v1/reports/", "period=2026-13", {"period": ["A period is written YYYY-MM."]}),
        ("/api/v1/reports/", "period=2026-1", {"period": ["A period is written YYYY-MM."]}),
        (
            "/api/v1/reports/",
            "period=%D9%A2%D9%A0%D9%A2%D9%A6-01",
            {"period": ["A period is written YYYY-MM."]},
        ),
        ("/api/v1/scorecards/", "period=January", {"period": ["A period is written YYYY-MM."]}),
        ("/api/v1/reports/", "is_current=yes", {"is_current": ["Must be true or false."]}),
        (
            "/api/v1/kpis/",
            "in_default_template=2",
            {"in_default_template": ["Must be true or false."]},
        ),
        (
            "/api/v1/scorecards/",
            "all_revisions=maybe",
            {"all_revisions": ["all_revisions must be true or false."]},
        ),
        ("/api/v1/remediations/", "open=yes", {"open": ["open must be true or false."]}),
        (
            "/api/v1/contracts/",
            "version=99999999999999999999",
            {"version": ["Ensure this value is less than or equal to 9223372036854775807."]},
        ),
        ("/api/v1/contracts/", "version=1.5", {"version": ["Enter a whole number."]}),
        ("/api/v1/contracts/", "active_on=2026-02-30", {"active_on": ["Enter a valid date."]}),
        (
            "/api/v1/contracts/",
            "pricing_model=free",
            {"pricing_model": ["Select a valid choice. free is not one of the available choices."]},
        ),
        (
            "/api/v1/remediations/",
            "status=done",
            {"status": ["Select a valid choice. done is not one of the available choices."]},
        ),
        (
            "/api/v1/vendors/",
            "service=cleaning",
            {"service": ["Select a valid choice. cleaning is not one of the available choices."]},
        ),
        (
            "/api/v1/vendors/",
            "organization=practice a",
            {
                "organization": [
                    "Enter a valid “slug” consisting of letters, numbers, underscores or hyphens."
                ]
            },
        ),
    ],
)
def test_filters_read_their_values_strictly(api, acme, url, query, expected):
    answer = api.get(f"{url}?{query}")
    assert answer.status_code == 400
    assert answer.json() == expected


@pytest.mark.parametrize(
    ("url", "query", "count"),
    [
        ("/api/v1/reports/", "period=2026-01", 1),
        ("/api/v1/reports/", "period=2026-02", 0),
        ("/api/v1/reports/", "is_current=true", 1),
        ("/api/v1/reports/", "is_current=false", 0),
        ("/api/v1/scorecards/", "period=2026-01&all_revisions=1", 1),
        ("/api/v1/remediations/", "open=true&status=open&kind=breach", 1),
        ("/api/v1/remediations/", "status=closed", 0),
        (
            "/api/v1/contracts/",
            "version=1&active_on=2026-01-31&pricing_model=percent_of_collections",
            1,
        ),
        ("/api/v1/contracts/", "active_on=2024-12-31", 0),
        ("/api/v1/vendors/", "organization=practice-a&service=billing&slug=acme", 1),
    ],
)
def test_valid_filter_values_still_filter(api, acme, url, query, count):
    answer = api.get(f"{url}?{query}")
    assert answer.status_code == 200, answer.content
    assert answer.json()["count"] == count


@pytest.mark.parametrize(
    "query",
    ["fee_per_claim=NaN", "fee_per_claim=Infinity", "fee_per_claim=1e999999", "fee_per_claim=-3"],
)
def test_what_if_pricing_numbers_are_plain_decimals(api, acme, query):
    card = api.get("/api/v1/scorecards/?vendor=acme").json()["results"][0]
    answer = api.get(f"/api/v1/scorecards/{card['id']}/what-if/?pricing_model=per_claim&{query}")
    assert answer.status_code == 400
    assert answer.json() == {
        "fee_per_claim": [
            "fee_per_claim must be a plain number like 1234.56 (at most 12 digits, 6 decimals)."
        ]
    }
    fine = api.get(
        f"/api/v1/scorecards/{card['id']}/what-if/?pricing_model=per_claim&fee_per_claim=4.25"
    )
    assert fine.status_code == 200
    assert fine.json()["alternatives"][0]["fee_per_claim"] == "4.25"


def test_kpi_aliases_must_be_strings_postgresql_can_store(api, acme):
    body = {
        "code": "touch_time_hours",
        "name": "Touch time",
        "unit": "hours",
        "direction": "lower",
        "source": "vendor",
    }
    raw = json.dumps({**body, "aliases": ["Touch \ud800"]})  # ASCII, the surrogate escaped
    surrogate = api.post("/api/v1/kpis/", raw, content_type="application/json")
    assert surrogate.status_code == 400
    assert surrogate.json() == {"aliases": {"0": ["Surrogate characters are not allowed: U+D800."]}}
    nested = api.post("/api/v1/kpis/", {**body, "aliases": [{"a": 1}]}, format="json")
    assert nested.status_code == 400
    assert nested.json() == {"aliases": {"0": ["Not a valid string."]}}
    made = api.post("/api/v1/kpis/", {**body, "aliases": ["Touch hrs"]}, format="json")
    assert made.status_code == 201, made.json()
    assert made.json()["aliases"] == ["Touch hrs"]


@pytest.mark.parametrize(
    "bands",
    ["null", '{"excellent": "90"}', '{"excellent": "x", "good": "75", "needs_improvement": "50"}'],
)
def test_contract_standing_bands_are_refused_unless_whole(api, acme, bands):
    contract = acme.contracts.get()
    answer = api.patch(
        f"/api/v1/contracts/{contract.pk}/", {"standing_bands": bands}, format="multipart"
    )
    assert answer.status_code == 400
    assert answer.json() == {
        "standing_bands": [
            "Standing bands are the lower edges, in points from 0 to 100, of ['excellent', "
            "'good', 'needs_improvement'], e.g. {'excellent': '90', 'good': '75', "
            "'needs_improvement': '50'}."
        ]
    }
    fine = api.patch(
        f"/api/v1/contracts/{contract.pk}/",
        {"standing_bands": {"excellent": "92", "good": "80", "needs_improvement": "55"}},
        format="json",
    )
    assert fine.status_code == 200, fine.json()


def test_an_sla_terms_kpi_code_with_nul_is_a_400_not_a_database_error(api, acme):
    body = {
        "vendor": acme.pk,
        "pricing_model": "flat_monthly",
        "flat_monthly_fee": "100",
        "start_date": "2030-01-01",
        "sla_terms": [
            {"kpi": "days_in_ar\u0000", "benchmark": "40", "warning": "50", "weight": "1"}
        ],
    }
    answer = api.post("/api/v1/contracts/", json.dumps(body), content_type="application/json")
    assert answer.status_code == 400
    assert answer.json() == {"sla_terms": {"0": {"kpi": ["Null characters are not allowed."]}}}


def test_a_vendor_name_without_letters_or_digits_needs_a_slug(api, org):
    answer = api.post("/api/v1/vendors/", {"name": "\U00029de3"}, format="json")
    assert answer.status_code == 400
    assert answer.json() == {
        "slug": ["The name '\U00029de3' has no letters or digits to make a slug of; give a slug."]
    }
    made = api.post("/api/v1/vendors/", {"name": "\U00029de3", "slug": "v-1"}, format="json")
    assert made.status_code == 201, made.json()
    assert made.json()["slug"] == "v-1"
