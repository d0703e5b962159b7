"""The CARC table: shipped defaults as data, an organization's rows over them, the API."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from remittances.carcs import SHIPPED_CARCS
from remittances.evidence import carc_table
from remittances.models import CarcRule
from remittances.services.carcs import carc_rule_create, carc_rule_update
from tests.conftest import client_for
from tests.factories import member
from vendors.models import AuditEvent, Role

pytestmark = pytest.mark.django_db


def test_the_shipped_table_is_the_module_s_table() -> None:
    shipped = CarcRule.objects.filter(organization=None)
    rows = {(r.carc, r.category, r.responsible_party, r.description) for r in shipped}
    assert rows == set(SHIPPED_CARCS)
    assert {r.group_code for r in shipped} == {""}
    # The brief's anchors, each decided from the code's description.
    picks = {c: (cat, party) for c, cat, party, _ in SHIPPED_CARCS}
    assert picks["16"] == ("billing_submission", "vendor")
    assert picks["4"] == picks["11"] == ("coding", "vendor")
    assert picks["27"] == picks["31"] == ("eligibility_registration", "practice")
    assert picks["197"] == picks["15"] == ("authorization_referral", "practice")
    assert picks["29"] == ("timely_filing", "vendor")
    assert picks["18"] == ("duplicate", "vendor")
    assert picks["45"] == ("contractual", "payer")
    assert picks["1"] == picks["2"] == picks["3"] == ("patient_responsibility", "patient")
    assert picks["96"] == picks["204"] == ("non_covered", "payer")


def test_an_organization_s_row_overrides_the_shipped_one_for_itself_only(
    org: Any, other_org: Any
) -> None:
    rule = carc_rule_create(
        organization=org, carc="16", group_code="co", category="coding",
        responsible_party="vendor", description="Our coders' modifier errors.",
    )  # fmt: skip
    assert (rule.carc, rule.group_code) == ("16", "CO")
    mine, theirs = carc_table(org.pk), carc_table(other_org.pk)
    assert mine[("16", "CO")] == ("coding", "vendor")
    assert mine[("16", "")] == ("billing_submission", "vendor")  # the shipped row stays
    assert ("16", "CO") not in theirs
    event = AuditEvent.objects.get(record_type="carc_rule", record_id=str(rule.pk))
    assert (event.action, event.organization_id) == ("created", org.pk)
    assert event.changes["category"] == [None, "coding"]
    carc_rule_update(rule=rule, responsible_party="practice")
    assert carc_table(org.pk)[("16", "CO")] == ("coding", "practice")
    update = AuditEvent.objects.get(record_type="carc_rule", action="updated")
    assert update.changes == {"responsible_party": ["vendor", "practice"]}


def test_bad_rows_are_refused_naming_the_field_and_nothing_is_stored(org: Any) -> None:
    before = CarcRule.objects.count()
    with pytest.raises(ValidationError) as refused:
        carc_rule_create(
            organization=org, carc="16!", group_code="XX", category="bad",
            responsible_party="nobody",
        )  # fmt: skip
    assert refused.value.message_dict == {
        "carc": ["Give the claim adjustment reason code: 1 to 5 letters or digits (e.g. 16)."],
        "group_code": ["Give CO, PR, OA, PI or CR, or leave blank for any group."],
        "category": [
            "Choose one of eligibility_registration, authorization_referral, coding, "
            "billing_submission, documentation_medical_necessity, timely_filing, duplicate, "
            "non_covered, contractual, patient_responsibility, other."
        ],
        "responsible_party": ["Choose one of vendor, practice, payer, patient."],
    }
    carc_rule_create(organization=org, carc="50", category="coding", responsible_party="vendor")
    with pytest.raises(ValidationError) as twice:
        carc_rule_create(organization=org, carc="50", category="other", responsible_party="payer")
    assert twice.value.message_dict == {
        "carc": ["CARC 50 (any group) has a row already; change that row instead."]
    }
    shipped = CarcRule.objects.get(organization=None, carc="45")
    with pytest.raises(ValidationError, match="CARC 45 is a shipped default, read-only"):
        carc_rule_update(rule=shipped, category="coding")
    assert CarcRule.objects.count() == before + 1
    assert CarcRule.objects.get(pk=shipped.pk).category == "contractual"


def test_the_api_lists_shipped_and_own_rows_and_refuses_others(org: Any, other_org: Any) -> None:
    theirs = carc_rule_create(
        organization=other_org, carc="B99", category="other", responsible_party="payer"
    )
    admin, viewer = client_for(member(org, Role.ADMIN)), client_for(member(org, Role.VIEWER))
    made = admin.post(
        "/api/v1/carc-categories/",
        {"carc": "A1", "group_code": "CO", "category": "billing_submission",
         "responsible_party": "vendor", "description": "Claim denied charges."},
        format="json",
    )  # fmt: skip
    assert made.status_code == 201, made.json()
    assert made.json() == {
        "id": made.json()["id"], "carc": "A1", "group_code": "CO",
        "category": "billing_submission", "responsible_party": "vendor",
        "description": "Claim denied charges.", "organization": "practice-a", "shipped": False,
    }  # fmt: skip
    listed = viewer.get("/api/v1/carc-categories/", {"limit": 500}).json()
    carcs = {(r["carc"], r["group_code"], r["shipped"]) for r in listed["results"]}
    assert listed["count"] == len(SHIPPED_CARCS) + 1
    assert ("A1", "CO", False) in carcs and ("16", "", True) in carcs
    assert ("B99", "", False) not in carcs
    assert viewer.get(f"/api/v1/carc-categories/{theirs.pk}/").status_code == 404
    assert admin.patch(
        f"/api/v1/carc-categories/{theirs.pk}/", {"category": "coding"}, format="json"
    ).status_code == 404  # fmt: skip
    refused = viewer.post(
        "/api/v1/carc-categories/",
        {"carc": "A2", "category": "coding", "responsible_party": "vendor"},
        format="json",
    )
    assert refused.status_code == 403
    bad = admin.post(
        "/api/v1/carc-categories/",
        {"carc": "A2", "category": "nope", "responsible_party": "vendor"},
        format="json",
    )
    assert bad.status_code == 400
    assert list(bad.json()) == ["category"]
    filtered = viewer.get(
        "/api/v1/carc-categories/", {"responsible_party": "patient", "limit": 50}
    ).json()
    assert sorted(r["carc"] for r in filtered["results"]) == ["1", "2", "3"]
    assert viewer.get("/api/v1/carc-categories/", {"category": "x"}).status_code == 400
    shipped = CarcRule.objects.get(organization=None, carc="45")
    denied = admin.patch(
        f"/api/v1/carc-categories/{shipped.pk}/", {"category": "coding"}, format="json"
    )
    assert denied.status_code == 403
    assert "CARC 45 is a shipped default" in denied.json()["detail"]
