"""Contracts and SLA terms: the default template, amendments, and every refusal with its message."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tests.factories import ContractFactory, VendorFactory
from vendors import services
from vendors.models import Contract, KPIDefinition, SLATerm

pytestmark = pytest.mark.django_db


def test_catalog_loaded_by_migration():
    defaults = KPIDefinition.objects.filter(in_default_template=True)
    assert [
        (k.code, k.unit, k.direction, k.default_benchmark, k.default_warning, k.default_weight)
        for k in defaults
    ] == [
        ("first_pass_acceptance_rate", "percent", "higher", Decimal(95), Decimal(90), Decimal(25)),
        ("denial_rate", "percent", "lower", Decimal(8), Decimal(12), Decimal(20)),
        ("days_in_ar", "days", "lower", Decimal(40), Decimal(55), Decimal(20)),
        ("net_collection_rate", "percent", "higher", Decimal(95), Decimal(90), Decimal(20)),
        ("coding_turnaround_hours", "hours", "lower", Decimal(48), Decimal(72), Decimal(10)),
        (
            "resubmission_turnaround_business_days",
            "business_days",
            "lower",
            Decimal(2),
            Decimal(5),
            Decimal(5),
        ),
    ]
    further = set(
        KPIDefinition.objects.filter(in_default_template=False).values_list("code", flat=True)
    )
    assert further == {
        "clean_claim_rate",
        "appeal_win_rate",
        "coding_accuracy_rate",
        "aged_ar_over_90_rate",
        "denial_first_touch_within_sla_rate",
        "account_manager_response_business_days",
    }


def test_terms_left_out_come_from_default_template():
    contract = ContractFactory()
    terms = {t.kpi.code: (t.benchmark, t.warning, t.weight) for t in contract.sla_terms.all()}
    assert terms["denial_rate"] == (Decimal(8), Decimal(12), Decimal(20))
    assert len(terms) == 6
    assert sum(w for _, _, w in terms.values()) == Decimal(100)


def _refusal(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


def test_warning_on_better_side_refused_for_higher_is_better():
    vendor = VendorFactory()
    with pytest.raises(ValidationError) as exc:
        ContractFactory(
            vendor=vendor,
            sla_terms=[
                {"kpi": "first_pass_acceptance_rate", "benchmark": 95, "warning": 96, "weight": 50}
            ],
        )
    assert _refusal(exc) == {
        "sla_terms": [
            "first_pass_acceptance_rate: higher is better, so the warning threshold (96) must "
            "not be above the benchmark (95)."
        ]
    }
    assert Contract.objects.count() == 0  # nothing half-stored


def test_warning_on_better_side_refused_for_lower_is_better():
    with pytest.raises(ValidationError) as exc:
        ContractFactory(
            sla_terms=[{"kpi": "denial_rate", "benchmark": 8, "warning": 7, "weight": 5}]
        )
    assert _refusal(exc) == {
        "sla_terms": [
            "denial_rate: lower is better, so the warning threshold (7) must not be below the "
            "benchmark (8)."
        ]
    }


def test_equal_warning_and_benchmark_allowed():
    contract = ContractFactory(
        sla_terms=[{"kpi": "denial_rate", "benchmark": 8, "warning": 8, "weight": 5}]
    )
    assert contract.sla_terms.get().warning == Decimal(8)


@pytest.mark.parametrize("weight", [0, -5])
def test_non_positive_weight_refused(weight):
    with pytest.raises(ValidationError) as exc:
        ContractFactory(
            sla_terms=[{"kpi": "days_in_ar", "benchmark": 40, "warning": 55, "weight": weight}]
        )
    assert _refusal(exc) == {
        "sla_terms": [f"days_in_ar: the weight must be positive (got {weight})."]
    }
    assert SLATerm.objects.count() == 0


def test_unknown_kpi_refused(org):
    with pytest.raises(ValidationError) as exc:
        ContractFactory(
            vendor__organization=org,
            sla_terms=[{"kpi": "happiness_index", "benchmark": 1, "warning": 0, "weight": 5}],
        )
    assert _refusal(exc) == {
        "sla_terms": ["Term 1: kpi 'happiness_index' is not in Practice A's catalog."]
    }


def test_weight_constraint_holds_in_the_database():
    contract = ContractFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        SLATerm.objects.filter(contract=contract).update(weight=0)


def test_overlapping_versions_refused():
    first = ContractFactory(start_date=dt.date(2025, 1, 1), end_date=dt.date(2025, 12, 31))
    with pytest.raises(ValidationError) as exc:
        ContractFactory(vendor=first.vendor, start_date=dt.date(2025, 12, 1))
    assert _refusal(exc) == {
        "start_date": [
            "These dates (2025-12-01 to open-ended) overlap contract 1 version 1 (2025-01-01 to "
            "2025-12-31) of the same vendor; a vendor has one contract in force at a time: end "
            "that contract first, or amend it."
        ]
    }
    # A contract that starts the day after the first ends is fine: a new agreement, version 1.
    second = ContractFactory(vendor=first.vendor, start_date=dt.date(2026, 1, 1))
    assert (second.agreement, second.version, second.amends_id) == (2, 1, None)


def test_open_ended_version_blocks_any_later_start():
    first = ContractFactory(start_date=dt.date(2025, 1, 1))
    with pytest.raises(ValidationError) as exc:
        ContractFactory(vendor=first.vendor, start_date=dt.date(2030, 1, 1))
    assert _refusal(exc)["start_date"][0].startswith(
        "These dates (2030-01-01 to open-ended) overlap contract 1 version 1 (2025-01-01 to "
        "open-ended) of the same vendor;"
    )


def test_pricing_model_needs_its_parameter():
    with pytest.raises(ValidationError) as exc:
        ContractFactory(pricing_model="per_claim", percent_of_collections=None)
    assert _refusal(exc) == {"fee_per_claim": ["A per-claim contract needs a fee per claim."]}


@pytest.mark.parametrize(
    ("model", "field", "message"),
    [
        (
            "percent_of_collections",
            "percent_of_collections",
            "A percent-of-collections contract needs a percent of collections.",
        ),
        ("flat_monthly", "flat_monthly_fee", "A flat monthly contract needs a flat monthly fee."),
    ],
)
def test_each_pricing_model_says_what_it_needs_in_words(model, field, message):
    with pytest.raises(ValidationError) as exc:
        ContractFactory(pricing_model=model, percent_of_collections=None)
    assert _refusal(exc) == {field: [message]}


def test_minimum_above_maximum_refused():
    with pytest.raises(ValidationError) as exc:
        ContractFactory(monthly_minimum=Decimal(500), monthly_maximum=Decimal(100))
    assert _refusal(exc) == {
        "monthly_maximum": ["The monthly maximum is below the monthly minimum."]
    }


def test_contract_must_belong_to_vendor_organization(org, other_org):
    vendor = VendorFactory(organization=other_org)
    with pytest.raises(ValidationError) as exc:
        services.contract_create(
            organization=org,
            vendor=vendor,
            start_date=dt.date(2026, 1, 1),
            pricing_model="flat_monthly",
            flat_monthly_fee=Decimal(1000),
        )
    assert _refusal(exc) == {"vendor": ["The vendor belongs to another organization."]}


def test_amendment_keeps_old_version_and_copies_terms():
    old = ContractFactory(start_date=dt.date(2025, 1, 1))
    new = services.contract_amend(
        contract=old,
        effective_date=dt.date(2026, 7, 1),
        percent_of_collections=Decimal("5.5"),
    )
    old.refresh_from_db()
    assert (old.version, old.start_date, old.end_date) == (
        1,
        dt.date(2025, 1, 1),
        dt.date(2026, 6, 30),
    )
    assert (new.version, new.start_date, new.end_date, new.amends_id) == (
        2,
        dt.date(2026, 7, 1),
        None,
        old.pk,
    )
    assert old.percent_of_collections == Decimal("6.000")
    assert new.percent_of_collections == Decimal("5.5")
    assert sorted(new.sla_terms.values_list("kpi__code", "benchmark")) == sorted(
        old.sla_terms.values_list("kpi__code", "benchmark")
    )
    with pytest.raises(ValidationError) as exc:
        services.contract_amend(contract=old, effective_date=dt.date(2026, 8, 1))
    assert _refusal(exc) == {"contract": ["This version was already amended; amend the latest."]}


def test_amendment_before_start_refused():
    old = ContractFactory(start_date=dt.date(2025, 1, 1))
    with pytest.raises(ValidationError) as exc:
        services.contract_amend(contract=old, effective_date=dt.date(2025, 1, 1))
    assert _refusal(exc) == {
        "effective_date": ["An amendment must take effect after the version it amends starts."]
    }


def test_vendor_services_validated(org):
    with pytest.raises(ValidationError) as exc:
        services.vendor_create(organization=org, name="X", services=["cooking"])
    assert _refusal(exc) == {
        "services": ["Services must be a non-empty list of ['coding', 'billing']; got ['cooking']."]
    }


def test_baa_expiry_before_signature_refused(org):
    with pytest.raises(ValidationError) as exc:
        services.vendor_create(
            organization=org,
            name="X",
            baa_signed_on=dt.date(2026, 1, 1),
            baa_expires_on=dt.date(2025, 1, 1),
        )
    assert _refusal(exc) == {"baa_expires_on": ["The BAA cannot expire before it was signed."]}


def test_kpi_added_as_data(org):
    kpi = services.kpi_create(
        organization=org,
        code="charge_lag_days",
        name="Charge lag",
        unit="days",
        direction="lower",
        source="Vendor report",
        formula="",
    )
    contract = ContractFactory(
        vendor__organization=org,
        sla_terms=[{"kpi": "charge_lag_days", "benchmark": 3, "warning": 5, "weight": 10}],
    )
    assert contract.sla_terms.get().kpi == kpi
    with pytest.raises(ValidationError) as exc:
        services.kpi_create(
            organization=org,
            code="charge_lag_days",
            name="x",
            unit="days",
            direction="lower",
            source="x",
        )
    assert _refusal(exc) == {"code": ["A KPI with code 'charge_lag_days' already exists."]}
