"""The KPI catalog per organization: shipped KPIs shared and read-only, custom KPIs their own.

Issue 18 item 1: a formula like ``(((`` or ``__import__(1)`` was accepted and broke every other
organization's uploads; a KPI alias ``net_collection_rate`` re-mapped other organizations'
columns; a NUL in an SLA term's KPI answered 500 on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import client_for
from tests.factories import ContractFactory, member
from tests.vendors.ingest_helpers import ingest, values_of, vendor
from vendors import services
from vendors.ingest.checks import evaluate_records
from vendors.ingest.errors import FileRefused
from vendors.ingest.formulas import ZERO_DENOMINATOR, FormulaError, compile_formula
from vendors.ingest.headers import RAW_FIELDS, KPISpec
from vendors.ingest.table import Record
from vendors.models import ColumnAlias, KPIDefinition, Report, ReportValue, Role, SLATerm
from vendors.services.aliases import column_alias_create, column_alias_update

pytestmark = pytest.mark.django_db

SHIPPED_COUNT = 12
ALLOWED = ", ".join(sorted([*RAW_FIELDS, "period_days"]))
NUL = "contains a NUL character (\\u0000), which cannot be stored; remove it."
WIDE = "period,claims_submitted,claims_accepted_first_pass,claims_denied\n2026-10,1000,950,60\n"


def refusal(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


def upload(client: Any, v: Any, content: str, name: str = "r.csv") -> Any:
    data = {"vendor": v.pk, "file": SimpleUploadedFile(name, content.encode())}
    return client.post("/api/v1/reports/", data, format="multipart")


def kpi_body(**fields: Any) -> dict[str, Any]:
    return {
        "code": "charge_lag_days",
        "name": "Charge lag",
        "unit": "days",
        "direction": "lower",
        "source": "Vendor report",
        **fields,
    }


def own_kpi(org: Any, **fields: Any) -> KPIDefinition:
    return services.kpi_create(organization=org, **kpi_body(**fields))


# --- The issue, as found ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("(((", "Unbalanced parenthesis at position 3: '(' is never closed."),
        (
            "__import__(1)",
            "Disallowed function call `__import__(...)` at position 11; a formula holds "
            "numbers, raw field names, + - * / and parentheses.",
        ),
    ],
)
def test_a_broken_formula_is_a_400_and_other_organizations_uploads_still_work(
    api, org, other_org, formula, message
):
    response = api.post("/api/v1/kpis/", kpi_body(formula=formula), format="json")
    assert (response.status_code, response.json()) == (400, {"formula": [message]})
    assert KPIDefinition.objects.count() == SHIPPED_COUNT
    theirs = vendor(other_org, "theirs")
    answered = upload(client_for(member(other_org, Role.ADMIN)), theirs, WIDE)
    assert answered.status_code == 201, answered.json()
    ours = upload(api, vendor(org, "ours"), WIDE)
    assert ours.status_code == 201, ours.json()


def test_a_kpi_alias_cannot_remap_a_shipped_code(api, org, other_org):
    response = api.post(
        "/api/v1/kpis/", kpi_body(aliases=["Lag", "net_collection_rate"]), format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "aliases": [
            "'net_collection_rate' already means the KPI code net_collection_rate; "
            "choose another alias."
        ]
    }
    # Even an alias that is new to the shipped catalog stays inside its organization.
    assert api.post("/api/v1/kpis/", kpi_body(aliases=["NCR A"]), format="json").status_code == 201
    file = "period,NCR A\n2026-10,4\n"
    [report] = ingest(vendor(org, "ours"), file).reports
    assert values_of(report) == {"charge_lag_days": (D(4), None, D(4), False)}
    with pytest.raises(FileRefused) as exc:
        ingest(vendor(other_org, "theirs"), file)
    assert [e.as_dict() for e in exc.value.errors] == [
        {
            "row": 1,
            "column": "NCR A",
            "message": "'NCR A' is not a KPI code, KPI name, raw count or alias of this vendor; "
            "rename the column or add an alias for it",
        }
    ]


def test_nul_in_an_sla_terms_kpi_is_a_400_naming_the_field(api, org):
    v = vendor(org, "ours", contract=False)
    body = {
        "vendor": v.pk,
        "start_date": "2026-01-01",
        "pricing_model": "per_claim",
        "fee_per_claim": "4",
        "sla_terms": [
            {"kpi": "denial\u0000rate", "benchmark": "8", "warning": "12", "weight": "1"}
        ],
    }
    response = api.post("/api/v1/contracts/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {"sla_terms": {"0": {"kpi": ["Null characters are not allowed."]}}}
    assert v.contracts.count() == 0
    # The service refuses it too, before any query carries it.
    with pytest.raises(ValidationError) as exc:
        ContractFactory(
            vendor=v, sla_terms=[{"kpi": "x\x00", "benchmark": 1, "warning": 2, "weight": 1}]
        )
    assert refusal(exc) == {"sla_terms": ["Term 1: the kpi contains a NUL character (\\u0000)."]}


# --- Shipped and own -------------------------------------------------------------------------
def test_kpi_list_shows_the_shipped_kpis_and_the_organizations_own_only(api, org, other_org):
    own_kpi(org)
    own_kpi(other_org, code="theirs_days", name="Theirs")
    listed = api.get("/api/v1/kpis/?limit=100").json()["results"]
    assert len(listed) == SHIPPED_COUNT + 1
    mine = [k for k in listed if not k["shipped"]]
    assert [(k["code"], k["organization"]) for k in mine] == [("charge_lag_days", "practice-a")]
    assert {k["organization"] for k in listed if k["shipped"]} == {None}
    theirs = KPIDefinition.objects.get(code="theirs_days")
    assert api.get(f"/api/v1/kpis/{theirs.pk}/").status_code == 404
    assert api.patch(f"/api/v1/kpis/{theirs.pk}/", {"name": "x"}, format="json").status_code == 404


def test_codes_are_unique_per_organization_and_never_a_shipped_code(org, other_org):
    own_kpi(org)
    own_kpi(other_org)  # the same code in another organization is that organization's own
    with pytest.raises(ValidationError) as exc:
        own_kpi(org, name="Another lag")
    assert refusal(exc) == {"code": ["A KPI with code 'charge_lag_days' already exists."]}
    with pytest.raises(ValidationError) as exc:
        own_kpi(org, code="denial_rate", name="My denials")
    assert refusal(exc) == {"code": ["A KPI with code 'denial_rate' already exists."]}
    with pytest.raises(ValidationError) as exc:
        own_kpi(org, code="Charge-Lag", name="Lag 2")
    assert refusal(exc) == {
        "code": [
            "'Charge-Lag' is not a KPI code: lowercase letters, digits and underscores, "
            "starting with a letter (e.g. charge_lag_days)."
        ]
    }
    assert sorted(
        KPIDefinition.objects.filter(code="charge_lag_days").values_list(
            "organization__slug", flat=True
        )
    ) == ["practice-a", "practice-b"]


def test_shipped_kpis_are_read_only_through_the_api_and_the_service(api, org):
    shipped = KPIDefinition.objects.get(code="denial_rate")
    response = api.patch(f"/api/v1/kpis/{shipped.pk}/", {"name": "Denials"}, format="json")
    assert response.status_code == 403
    assert response.json() == {
        "detail": "denial_rate is a shipped KPI, shared by every organization and read-only; "
        "add a KPI of your own instead."
    }
    with pytest.raises(ValidationError) as exc:
        services.kpi_update(kpi=shipped, name="Denials")
    assert refusal(exc) == {
        "kpi": [
            "denial_rate is a shipped KPI, shared by every organization and read-only; add a "
            "KPI of your own instead."
        ]
    }
    shipped.refresh_from_db()
    assert shipped.name == "Denial rate"


def test_an_administrator_changes_the_organizations_own_kpi(api, org):
    kpi = own_kpi(org)
    changed = api.patch(
        f"/api/v1/kpis/{kpi.pk}/", {"name": "Charge lag (days)", "formula": "((("}, format="json"
    )
    assert changed.status_code == 400
    assert changed.json() == {
        "formula": ["Unbalanced parenthesis at position 3: '(' is never closed."]
    }
    changed = api.patch(f"/api/v1/kpis/{kpi.pk}/", {"name": "Charge lag (days)"}, format="json")
    assert (changed.status_code, changed.json()["name"]) == (200, "Charge lag (days)")
    moved = api.patch(f"/api/v1/kpis/{kpi.pk}/", {"code": "lag"}, format="json")
    assert (moved.status_code, moved.json()) == (
        400,
        {"code": ["A KPI's code cannot change; add a new KPI instead."]},
    )
    viewer = client_for(member(org, Role.VIEWER))
    assert viewer.patch(f"/api/v1/kpis/{kpi.pk}/", {"name": "x"}, format="json").status_code == 403
    kpi.refresh_from_db()
    assert (kpi.code, kpi.name) == ("charge_lag_days", "Charge lag (days)")


def test_contracts_of_one_organization_cannot_use_anothers_kpi(api, org, other_org):
    theirs = own_kpi(other_org)
    v = vendor(org, "ours", contract=False)
    body = {
        "vendor": v.pk,
        "start_date": "2026-01-01",
        "pricing_model": "per_claim",
        "fee_per_claim": "4",
        "sla_terms": [{"kpi": "charge_lag_days", "benchmark": "3", "warning": "5", "weight": "1"}],
    }
    response = api.post("/api/v1/contracts/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "sla_terms": ["Term 1: kpi 'charge_lag_days' is not in Practice A's catalog."]
    }
    with pytest.raises(ValidationError) as exc:  # nor by handing the service their object
        ContractFactory(
            vendor=v, sla_terms=[{"kpi": theirs, "benchmark": 3, "warning": 5, "weight": 1}]
        )
    assert refusal(exc) == {
        "sla_terms": ["Term 1: kpi 'charge_lag_days' is not in Practice A's catalog."]
    }
    mine = own_kpi(org)
    created = api.post("/api/v1/contracts/", body, format="json")
    assert created.status_code == 201, created.json()
    assert SLATerm.objects.get(contract_id=created.json()["id"]).kpi == mine


def test_ingestion_of_one_organization_never_sees_anothers_kpis(org, other_org):
    own_kpi(other_org, aliases=["Lag days"])
    with pytest.raises(FileRefused) as exc:
        ingest(vendor(org, "ours"), "period,Charge lag,Lag days\n2026-10,3,3\n")
    assert [(e.column, e.message) for e in exc.value.errors] == [
        (
            "Charge lag",
            "'Charge lag' is not a KPI code, KPI name, raw count or alias of this vendor; "
            "rename the column or add an alias for it",
        ),
        (
            "Lag days",
            "'Lag days' is not a KPI code, KPI name, raw count or alias of this vendor; "
            "rename the column or add an alias for it",
        ),
    ]
    [report] = ingest(vendor(other_org, "theirs"), "period,Lag days\n2026-10,3\n").reports
    value = report.values.get()
    assert (value.field, value.kpi.organization, value.value) == (
        "charge_lag_days",
        other_org,
        D(3),
    )


def test_evaluation_finds_each_organizations_own_kpi_of_the_same_code(org, other_org):
    from scorecard.models import RemediationItem
    from scorecard.services.evaluation import evaluate

    made = {}
    for o in (org, other_org):
        kpi = own_kpi(o)
        v = vendor(o, f"v-{o.slug}", contract=False)
        ContractFactory(
            vendor=v,
            start_date=dt.date(2026, 10, 1),
            sla_terms=[{"kpi": "charge_lag_days", "benchmark": 3, "warning": 5, "weight": 1}],
        )
        ingest(v, "period,charge_lag_days\n2026-10,9\n")
        made[o.pk] = (v, kpi)
    evaluate(period="2026-10", today=dt.date(2026, 11, 20), notify=False)
    items = RemediationItem.objects.order_by("organization_id")
    assert [(i.vendor, i.kpi) for i in items] == [made[org.pk], made[other_org.pk]]


# --- Formulas: one grammar, checked when saved -----------------------------------------------
@pytest.mark.parametrize(
    ("formula", "message"),
    [
        (
            "payments / (gross_charges",
            "Unbalanced parenthesis at position 12: '(' is never closed.",
        ),
        ("payments) / 2", "Unbalanced parenthesis at position 9: ')' closes nothing."),
        (
            "payments / refunds",
            f"Unknown name `refunds`; a formula may use {ALLOWED}.",
        ),
        ("payments ** 2", "Unexpected '*' at position 11: a number, a name or '(' was expected."),
        (
            "payments.__class__",
            "Disallowed character '.' at position 9; a formula holds numbers, raw field names, "
            "+ - * / and parentheses.",
        ),
        (
            "'a' * 3",
            'Disallowed character "\'" at position 1; a formula holds numbers, raw field names, '
            "+ - * / and parentheses.",
        ),
        (
            "payments +",
            "The formula ends at position 11 where a number, a name or '(' was expected.",
        ),
        (
            "payments total_ar",
            "Unexpected 'total_ar' at position 10: an operator (+ - * /) or the end of the "
            "formula was expected.",
        ),
        (
            "1e9 * payments",
            "Unexpected 'e9' at position 2: an operator (+ - * /) or the end of the formula "
            "was expected.",
        ),
    ],
)
def test_a_formula_is_checked_when_saved_naming_the_problem(org, formula, message):
    with pytest.raises(ValidationError) as exc:
        own_kpi(org, formula=formula)
    assert refusal(exc) == {"formula": [message]}
    assert not KPIDefinition.objects.filter(organization=org).exists()


def test_a_formula_may_use_the_raw_fields_period_days_and_its_own_declared_fields(org):
    kpi = own_kpi(
        org,
        code="appeal_overturn_rate",
        name="Appeal overturn rate",
        unit="percent",
        direction="higher",
        formula="appeals_won / appeals_decided * 100 + 0 * (payments - period_days)",
        raw_fields=["appeals_won", {"name": "appeals_decided", "unit": "count"}],
        volume_field="appeals_decided",
    )
    assert kpi.raw_fields == [
        {"name": "appeals_won", "unit": "count"},
        {"name": "appeals_decided", "unit": "count"},
    ]
    with pytest.raises(ValidationError) as exc:
        own_kpi(org, formula="appeals_won * 2")  # another KPI's declared field is not its own
    assert refusal(exc) == {
        "formula": [f"Unknown name `appeals_won`; a formula may use {ALLOWED}."]
    }


SHIPPED = {
    "first_pass_acceptance_rate",
    "denial_rate",
    "days_in_ar",
    "net_collection_rate",
    "aged_ar_over_90_rate",
}


def _specs() -> list[KPISpec]:
    return [
        KPISpec(k.code, k.name, k.unit, k.formula, k.volume_field, tuple(k.aliases))
        for k in KPIDefinition.objects.exclude(formula="")
    ]


def test_every_shipped_formula_passes_the_save_check_and_never_raises_on_zero_or_missing():
    specs = _specs()
    assert {s.code for s in specs} == SHIPPED
    zeros = {name: D(0) for name in RAW_FIELDS}
    records = [
        Record(None, "2026-10", 2, zeros),
        Record(None, "2026-10", 3, {}),
        Record(None, "2026-10", 4, {"claims_submitted": D(0), "total_ar": D(0)}),
    ]
    for spec in specs:
        compile_formula(spec.formula, allowed={*RAW_FIELDS, "period_days"})
    outcomes = evaluate_records(records, specs)
    by_code = [
        {v.field: (v.value, v.insufficient_data) for v in o.values if v.is_kpi} for o in outcomes
    ]
    assert by_code == [
        {code: (None, True) for code in sorted(SHIPPED, key=[s.code for s in specs].index)},
        {},
        {},
    ]


NAMES = [*RAW_FIELDS, "period_days", "appeals_won"]
NUMBERS = ["0", "1", "100", "0.5", "3", "999999999999999999", ".25"]
TOKENS = st.one_of(
    st.sampled_from(NAMES),
    st.sampled_from(NUMBERS),
    st.sampled_from(["+", "-", "*", "/", "(", ")", "( ", " )", "**", ".", "x", "1e3", "("]),
)
# Well-formed formulas: numbers and names joined by + - * /, signs and parentheses.
FORMULAS = st.recursive(
    st.sampled_from(NAMES) | st.sampled_from(NUMBERS),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/"]), inner).map(" ".join),
        inner.map(lambda f: f"({f})"),
        inner.map(lambda f: f"-{f}"),
    ),
    max_leaves=30,
)
INPUTS = st.lists(
    st.sampled_from([None, D(0), D(1), D("0.000001")]), min_size=len(NAMES), max_size=len(NAMES)
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tokens=st.lists(TOKENS, min_size=1, max_size=25))
def test_the_compiler_accepts_or_names_the_problem_never_anything_else(tokens):
    try:
        compile_formula(" ".join(tokens), allowed=set(NAMES))
    except FormulaError as exc:
        assert str(exc)  # a message for the 400; any other exception fails the test


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=FORMULAS, values=INPUTS)
def test_an_accepted_formula_never_raises_on_zero_or_missing_inputs(text, values):
    formula = compile_formula(text, allowed=set(NAMES))  # well-formed: always accepted
    env = dict(zip(NAMES, values, strict=True))
    # period_days is never missing nor zero: the upload gives every formula the period's days
    # (31 in 2026-10); only the raw fields may be zero or missing.
    env["period_days"] = D(31)
    got = formula.evaluate(env)
    assert got is None or got is ZERO_DENOMINATOR or isinstance(got, D)
    # Through the upload's own evaluation: a value, insufficient data or nothing.
    spec = KPISpec("custom", "Custom", "count", text, raw_fields=(("appeals_won", "count"),))
    record = Record(None, "2026-10", 2, {k: v for k, v in env.items() if v is not None})
    [outcome] = evaluate_records([record], [spec])
    for value in outcome.values:
        assert value.value is None or isinstance(value.value, D)
        if value.field == "custom":
            assert value.insufficient_data == (got is ZERO_DENOMINATOR)


def test_a_recomputed_value_too_large_to_store_refuses_the_file_by_row_and_kpi(org):
    own_kpi(
        org,
        code="charges_squared",
        name="Charges squared",
        unit="count",
        formula="gross_charges * gross_charges * gross_charges",
    )
    with pytest.raises(FileRefused) as exc:
        ingest(vendor(org, "ours"), "period,gross_charges\n2026-10,1000000000\n")
    assert [e.as_dict() for e in exc.value.errors] == [
        {
            "row": 2,
            "column": "charges_squared",
            "message": "charges_squared recomputed from the raw fields is 1.000000E+27, too "
            "large to store (below 1E+18); check the raw fields or the KPI's formula",
        }
    ]
    assert Report.objects.count() == 0


# --- Declared raw fields ----------------------------------------------------------------------
@pytest.fixture
def appeals(org: Any) -> KPIDefinition:
    return own_kpi(
        org,
        code="appeal_overturn_rate",
        name="Appeal overturn rate",
        unit="percent",
        direction="higher",
        formula="appeals_won / appeals_decided * 100",
        raw_fields=["appeals_won", "appeals_decided"],
        volume_field="appeals_decided",
    )


@pytest.mark.parametrize(
    "content",
    [
        "period,appeals_won,Appeals Decided,appeal_overturn_rate\n2026-10,45,60,70\n",
        "period,metric,value\n2026-10,appeals_won,45\n2026-10,appeals_decided,60\n"
        "2026-10,Appeal overturn rate,70\n",
    ],
    ids=["wide", "long"],
)
def test_declared_raw_fields_are_read_stored_and_recompute_the_kpi(org, appeals, content):
    [report] = ingest(vendor(org, "ours"), content).reports
    assert values_of(report) == {
        "appeal_overturn_rate": (D(70), D(75), D(75), False),
        "appeals_won": (D(45), None, D(45), False),
        "appeals_decided": (D(60), None, D(60), False),
    }
    assert ReportValue.objects.get(report=report, field="appeal_overturn_rate").volume == D(60)
    [finding] = report.findings.all()
    assert (finding.code, finding.field) == ("discrepancy", "appeal_overturn_rate")


def test_declared_raw_fields_are_read_as_their_unit_and_never_by_another_organization(
    org, other_org, appeals
):
    with pytest.raises(FileRefused) as exc:
        ingest(vendor(org, "ours"), "period,appeals_won,appeals_decided\n2026-10,4.5,60\n")
    assert [(e.row, e.column, e.message) for e in exc.value.errors] == [
        (2, "appeals_won", "4.5 is not a whole number of claims")
    ]
    with pytest.raises(FileRefused) as exc:
        ingest(vendor(other_org, "theirs"), "period,appeals_won\n2026-10,45\n")
    assert [e.column for e in exc.value.errors] == ["appeals_won"]


@pytest.mark.parametrize(
    ("raw_fields", "message"),
    [
        (
            ["Appeals"],
            "'Appeals' is not a raw field name: lowercase letters, digits and underscores, "
            "starting with a letter.",
        ),
        (
            ["payments"],
            "'payments' is a shipped raw field; a formula may use it without declaring.",
        ),
        (
            ["period_days"],
            "'period_days' is a shipped raw field; a formula may use it without declaring.",
        ),
        (
            [{"name": "x_amount", "unit": "percent"}],
            "Raw field x_amount: the unit must be one of "
            "['count', 'currency', 'days', 'hours', 'business_days'].",
        ),
        (["lag", "lag"], "Raw field lag is declared twice."),
        (
            ["denial_rate"],
            "'denial_rate' already means the KPI code denial_rate; choose another raw field name.",
        ),
        (
            ["payer"],
            "'payer' already means the reserved header 'payer'; choose another raw field name.",
        ),
        ("lag", 'Raw fields are a list of names, or of {"name": ..., "unit": ...}.'),
        ([3], 'Raw field 1: give a name, or {"name": ..., "unit": ...}.'),
    ],
)
def test_declared_raw_field_names_are_checked(org, raw_fields, message):
    with pytest.raises(ValidationError) as exc:
        own_kpi(org, raw_fields=raw_fields)
    assert refusal(exc) == {"raw_fields": [message]}


def test_a_raw_field_two_kpis_declare_must_share_its_unit(org, appeals):
    own_kpi(org, code="appeals_lost", name="Appeals lost", raw_fields=["appeals_decided"])
    with pytest.raises(ValidationError) as exc:
        own_kpi(
            org,
            code="appeal_amount",
            name="Appeal amount",
            raw_fields=[{"name": "appeals_decided", "unit": "currency"}],
        )
    assert refusal(exc) == {
        "raw_fields": [
            "Raw field appeals_decided is declared by KPI appeal_overturn_rate in count; "
            "declare it in the same unit."
        ]
    }


def test_kpi_code_and_name_may_not_remap_a_header_of_the_catalog(org):
    cases = [
        (
            {"name": "Net collection rate"},
            {
                "name": [
                    "'Net collection rate' already means the KPI code net_collection_rate; "
                    "choose another name."
                ]
            },
        ),
        (
            {"code": "payments", "name": "Payments KPI"},
            {"code": ["'payments' already means the raw field payments; choose another code."]},
        ),
        (
            {"name": "Reporting period"},
            {
                "name": [
                    "'Reporting period' already means the reserved header 'reporting period'; "
                    "choose another name."
                ]
            },
        ),
        (
            {"aliases": ["DAR"]},
            {"aliases": ["'DAR' already means an alias of KPI days_in_ar; choose another alias."]},
        ),
    ]
    for fields, expected in cases:
        with pytest.raises(ValidationError) as exc:
            own_kpi(org, **fields)
        assert refusal(exc) == expected


# --- Column aliases ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("header", "target", "message"),
    [
        (
            "Days in Accounts Receivable",
            "total_ar",
            "'Days in Accounts Receivable' already means the name of KPI days_in_ar (Days in "
            "accounts receivable); an alias cannot give it another meaning (total_ar).",
        ),
        (
            "net_collection_rate",
            "denial_rate",
            "'net_collection_rate' already means the KPI code net_collection_rate; an alias "
            "cannot give it another meaning (denial_rate).",
        ),
        (
            "Claims Submitted",
            "claims_denied",
            "'Claims Submitted' already means the raw field claims_submitted; an alias cannot "
            "give it another meaning (claims_denied).",
        ),
        (
            "Month",
            "denial_rate",
            "'Month' already means the reserved header 'month'; an alias cannot give it another "
            "meaning (denial_rate).",
        ),
        (
            "Value",
            "payments",
            "'Value' already means the reserved header 'value'; an alias cannot give it another "
            "meaning (payments).",
        ),
    ],
)
def test_a_column_alias_may_not_remap_a_header_of_the_catalog(api, org, header, target, message):
    v = vendor(org, "ours")
    response = api.post(
        "/api/v1/column-aliases/",
        {"vendor": v.pk, "header": header, "target": target},
        format="json",
    )
    assert (response.status_code, response.json()) == (400, {"header": [message]})
    assert not ColumnAlias.objects.exists()


def test_a_column_alias_may_declare_the_scale_of_a_named_column_or_name_the_period(org):
    v = vendor(org, "ours")
    column_alias_create(vendor=v, header="denial_rate", target="denial_rate", scale="fraction")
    column_alias_create(vendor=v, header="Reporting Month", target="period")
    [report] = ingest(v, "Reporting Month,denial_rate\n2026-10,0.065\n").reports
    assert values_of(report) == {"denial_rate": (D("6.5"), None, D("6.5"), False)}


def test_a_column_alias_clashes_with_the_organizations_own_kpi_only(org, other_org):
    own_kpi(other_org)
    mine, theirs = vendor(org, "ours"), vendor(other_org, "theirs")
    column_alias_create(vendor=mine, header="Charge lag", target="days_in_ar")
    with pytest.raises(ValidationError) as exc:
        column_alias_create(vendor=theirs, header="Charge lag", target="days_in_ar")
    assert refusal(exc) == {
        "header": [
            "'Charge lag' already means the name of KPI charge_lag_days (Charge lag); an alias "
            "cannot give it another meaning (days_in_ar)."
        ]
    }
    # And a KPI added later may not take a header a vendor's alias already gives a meaning.
    with pytest.raises(ValidationError) as exc:
        own_kpi(org)
    assert refusal(exc) == {
        "name": [
            "'Charge lag' is the column alias 'Charge lag' of a vendor (for days_in_ar); choose "
            "another name."
        ]
    }


def test_another_organizations_alias_never_affects_ours(org, other_org):
    mine, theirs = vendor(org, "ours"), vendor(other_org, "theirs")
    column_alias_create(vendor=theirs, header="FP Ratio", target="denial_rate", scale="fraction")
    column_alias_create(vendor=mine, header="FP Ratio", target="first_pass_acceptance_rate")
    [report] = ingest(mine, "period,FP Ratio\n2026-10,95.5\n").reports
    assert values_of(report) == {"first_pass_acceptance_rate": (D("95.5"), None, D("95.5"), False)}
    [report] = ingest(theirs, "period,FP Ratio\n2026-10,0.07\n").reports
    assert values_of(report) == {"denial_rate": (D("7"), None, D("7"), False)}


def test_a_column_alias_target_is_the_organizations_catalog(org, other_org, appeals):
    mine, theirs = vendor(org, "ours"), vendor(other_org, "theirs")
    column_alias_create(vendor=mine, header="Won", target="appeals_won")
    column_alias_create(vendor=mine, header="Overturns", target="appeal_overturn_rate")
    with pytest.raises(ValidationError) as exc:
        column_alias_create(vendor=theirs, header="Won", target="appeals_won")
    assert refusal(exc) == {
        "target": ["'appeals_won' is neither a KPI code of the catalog nor a raw count."]
    }


# --- NUL never reaches the database ----------------------------------------------------------
@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "Lag\x00"}, "name"),
        ({"code": "lag\x00"}, "code"),
        ({"formula": "payments\x00"}, "formula"),
        ({"source": "\x00"}, "source"),
        ({"description": "a\x00b"}, "description"),
        ({"volume_field": "\x00"}, "volume_field"),
        ({"aliases": ["ok", "bad\x00"]}, "aliases"),
        ({"raw_fields": [{"name": "x\x00", "unit": "count"}]}, "raw_fields"),
        ({"unit": "days\x00"}, "unit"),
    ],
)
def test_nul_in_any_kpi_text_is_refused_naming_the_field(org, fields, field):
    with pytest.raises(ValidationError) as exc:
        own_kpi(org, **fields)
    assert refusal(exc) == {
        field: [
            f"The {field} contains a NUL character (\\u0000), which cannot be stored; remove it."
        ]
    }


def test_nul_in_kpi_updates_and_aliases_is_refused_naming_the_field(api, org):
    kpi = own_kpi(org)
    with pytest.raises(ValidationError) as exc:
        services.kpi_update(kpi=kpi, description="x\x00")
    assert refusal(exc) == {
        "description": [
            "The description contains a NUL character (\\u0000), which cannot be stored; remove it."
        ]
    }
    v = vendor(org, "ours")
    for fields, field in (
        ({"header": "A\x00"}, "header"),
        ({"target": "\x00"}, "target"),
        ({"scale": "fraction\x00"}, "scale"),
    ):
        with pytest.raises(ValidationError) as exc:
            column_alias_create(vendor=v, **{"header": "A", "target": "denial_rate", **fields})
        assert refusal(exc) == {field: [f"The {field} {NUL}"]}
    alias = column_alias_create(vendor=v, header="A", target="denial_rate")
    with pytest.raises(ValidationError):
        column_alias_update(alias=alias, header="\x00")
    response = api.post(
        "/api/v1/column-aliases/",
        {"vendor": v.pk, "header": "B\u0000", "target": "denial_rate"},
        format="json",
    )
    assert (response.status_code, response.json()) == (
        400,
        {"header": ["Null characters are not allowed."]},
    )
    response = api.post("/api/v1/kpis/", kpi_body(code="x", raw_fields=["a\u0000"]), format="json")
    assert (response.status_code, response.json()) == (
        400,
        {"raw_fields": [f"The raw_fields {NUL}"]},
    )
    assert KPIDefinition.objects.filter(organization=org).count() == 1


# --- The aliases page ------------------------------------------------------------------------
def test_the_aliases_page_offers_the_organizations_catalog_and_shows_a_clash(org, other_org):
    from django.test import Client
    from django.urls import reverse
    from django.utils.html import escape

    own_kpi(org)
    own_kpi(other_org, code="theirs_days", name="Theirs")
    v = vendor(org, "ours")
    client = Client()
    client.force_login(member(org, Role.ADMIN))
    url = reverse("aliases", args=[v.pk])
    html = client.get(url).content.decode()
    assert '<option value="charge_lag_days">' in html
    assert '<option value="period">' in html and '<option value="payments">' in html
    assert "theirs_days" not in html
    refused = client.post(
        url, {"header": "Charge lag", "target": "denial_rate", "scale": "percent"}
    )
    assert refused.status_code == 400
    assert (
        escape(
            "'Charge lag' already means the name of KPI charge_lag_days (Charge lag); an alias "
            "cannot give it another meaning (denial_rate)."
        )
        in refused.content.decode()
    )
    assert not ColumnAlias.objects.exists()


def test_a_formula_stored_past_the_services_refuses_uploads_with_a_message_not_a_500(api, org):
    # e.g. saved before formulas were checked: that organization's uploads say what is wrong.
    KPIDefinition.objects.create(
        organization=org,
        code="old_kpi",
        name="Old",
        unit="count",
        direction="lower",
        formula="(((",
        source="x",
    )
    response = upload(api, vendor(org, "ours"), WIDE)
    assert (response.status_code, response.json()) == (
        400,
        {
            "errors": [
                {
                    "row": None,
                    "column": "old_kpi",
                    "message": "the catalog's formula of old_kpi cannot be used (Unbalanced "
                    "parenthesis at position 3: '(' is never closed.); an administrator must "
                    "correct the KPI before reports can be read",
                }
            ],
            "error_count": 1,
            "more_errors": "",
        },
    )


def test_the_migration_gives_an_earlier_custom_kpi_to_the_one_organization_using_it(org, other_org):
    import importlib

    from django.apps import apps as django_apps

    assign = importlib.import_module("vendors.migrations.0007_catalog_kpi_owners").assign
    used = KPIDefinition.objects.create(
        code="lag_a", name="Lag A", unit="days", direction="lower", source="x"
    )
    shared = KPIDefinition.objects.create(
        code="lag_b", name="Lag B", unit="days", direction="lower", source="x"
    )
    for o, codes in ((org, ["lag_a", "lag_b"]), (other_org, ["lag_b"])):
        terms = [{"kpi": c, "benchmark": 1, "warning": 2, "weight": 1} for c in codes]
        ContractFactory(vendor=vendor(o, f"v-{o.slug}", contract=False), sla_terms=terms)
    assign(django_apps, None)
    used.refresh_from_db()
    shared.refresh_from_db()
    assert (used.organization, shared.organization) == (org, None)
    assert KPIDefinition.objects.filter(organization__isnull=True).count() == SHIPPED_COUNT + 1


def test_codes_are_unique_per_organization_in_the_database_too(org, other_org):
    from django.db import IntegrityError, transaction

    fields = {"name": "Lag", "unit": "days", "direction": "lower", "source": "x"}
    KPIDefinition.objects.create(organization=org, code="lag", **fields)
    KPIDefinition.objects.create(organization=other_org, code="lag", **fields)
    for organization, code in ((org, "lag"), (None, "denial_rate")):
        with pytest.raises(IntegrityError), transaction.atomic():
            KPIDefinition.objects.create(organization=organization, code=code, **fields)
