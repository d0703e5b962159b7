"""Every write to vendor facts: organizations, members, vendors, KPIs, contracts and SLA terms.

Report ingestion lives in ``vendors.services.reports`` and column aliases in
``vendors.services.aliases``. Each function is keyword-only, runs in a transaction and raises
``ValidationError`` with a message per field when the input is refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from vendors import selectors
from vendors.models import (
    Contract,
    Direction,
    KPIDefinition,
    Membership,
    Organization,
    PricingModel,
    Role,
    Service,
    SLATerm,
    Vendor,
    default_standing_bands,
)

PRICING_PARAMETER = {
    PricingModel.PERCENT_OF_COLLECTIONS: "percent_of_collections",
    PricingModel.PER_CLAIM: "fee_per_claim",
    PricingModel.FLAT_MONTHLY: "flat_monthly_fee",
}
# Contract fields a caller may set, in the order the API shows them.
CONTRACT_FIELDS = (
    "start_date",
    "end_date",
    "currency",
    "pricing_model",
    "percent_of_collections",
    "fee_per_claim",
    "flat_monthly_fee",
    "monthly_minimum",
    "monthly_maximum",
    "report_due_business_day",
    "late_report_counts_as_breach",
    "at_risk_percent",
    "cure_period_days",
    "verification_periods",
    "termination_consecutive_breaches",
    "standing_bands",
    "notes",
)
VENDOR_FIELDS = {f.name for f in Vendor._meta.get_fields() if getattr(f, "concrete", False)} - {
    "id",
    "organization",
    "created_at",
}


# --- Organizations and members ---------------------------------------------------------------
@transaction.atomic
def organization_create(*, name: str, slug: str | None = None) -> Organization:
    """Create an organization (a practice or a group of practices)."""
    return Organization.objects.create(name=name, slug=slug or slugify(name))


@transaction.atomic
def membership_set(*, user: Any, organization: Organization, role: str) -> Membership:
    """Give a user a role in an organization (creating or changing the membership)."""
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}; choose one of {Role.values}."})
    membership, _ = Membership.objects.update_or_create(
        user=user, organization=organization, defaults={"role": role}
    )
    return membership


@transaction.atomic
def user_create(
    *, username: str, password: str, email: str = "", organization: Organization, role: str
) -> Any:
    """Create a login and make it a member of an organization.

    The password must pass every validator of ``AUTH_PASSWORD_VALIDATORS``; their words are the
    refusal, under ``password``.
    """
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": "This username is taken."})
    try:
        password_validation.validate_password(password, user=User(username=username, email=email))
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user = User.objects.create_user(username=username, password=password, email=email)
    membership_set(user=user, organization=organization, role=role)
    return user


# --- Vendors ---------------------------------------------------------------------------------
def _validate_vendor(data: Mapping[str, Any]) -> None:
    errors: dict[str, str] = {}
    services = data.get("services")
    if services is not None:
        bad = [s for s in services if s not in Service.values]
        if not services or bad:
            errors["services"] = (
                f"Services must be a non-empty list of {Service.values}; got {list(services)}."
            )
    signed, expires = data.get("baa_signed_on"), data.get("baa_expires_on")
    if signed and expires and expires < signed:
        errors["baa_expires_on"] = "The BAA cannot expire before it was signed."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def vendor_create(*, organization: Organization, name: str, **fields: Any) -> Vendor:
    """Record a vendor for an organization; the slug defaults to the slugified name."""
    unknown = set(fields) - VENDOR_FIELDS
    if unknown:
        raise ValidationError({f: "Unknown vendor field." for f in unknown})
    fields.setdefault("slug", slugify(name))
    if not fields["slug"]:
        raise ValidationError(
            {"slug": f"The name {name!r} has no letters or digits to make a slug of; give a slug."}
        )
    fields.setdefault("services", [Service.CODING.value, Service.BILLING.value])
    _validate_vendor(fields)
    if Vendor.objects.filter(organization=organization, slug=fields["slug"]).exists():
        raise ValidationError({"slug": f"A vendor with slug {fields['slug']!r} already exists."})
    return Vendor.objects.create(organization=organization, name=name, **fields)


@transaction.atomic
def vendor_update(*, vendor: Vendor, **fields: Any) -> Vendor:
    """Change a vendor's profile or compliance fields."""
    unknown = set(fields) - VENDOR_FIELDS - {"name"}
    if unknown:
        raise ValidationError({f: "Unknown vendor field." for f in unknown})
    merged = {f: getattr(vendor, f) for f in ("services", "baa_signed_on", "baa_expires_on")}
    merged.update(fields)
    _validate_vendor(merged)
    if (
        "slug" in fields
        and Vendor.objects.filter(organization=vendor.organization_id, slug=fields["slug"])
        .exclude(pk=vendor.pk)
        .exists()
    ):
        raise ValidationError({"slug": f"A vendor with slug {fields['slug']!r} already exists."})
    for name, value in fields.items():
        setattr(vendor, name, value)
    vendor.save()
    return vendor


# --- KPI catalog -----------------------------------------------------------------------------
@transaction.atomic
def kpi_create(
    *,
    code: str,
    name: str,
    unit: str,
    direction: str,
    source: str,
    formula: str = "",
    volume_field: str = "",
    description: str = "",
    aliases: list[str] | None = None,
) -> KPIDefinition:
    """Add a KPI to the catalog (data, not code)."""
    errors: dict[str, str] = {}
    if KPIDefinition.objects.filter(code=code).exists():
        errors["code"] = f"A KPI with code {code!r} already exists."
    if direction not in Direction.values:
        errors["direction"] = f"Direction must be one of {Direction.values}."
    if errors:
        raise ValidationError(errors)
    kpi = KPIDefinition(
        code=code,
        name=name,
        unit=unit,
        direction=direction,
        source=source,
        formula=formula,
        volume_field=volume_field,
        description=description,
        aliases=aliases or [],
    )
    kpi.full_clean()
    kpi.save()
    return kpi


# --- Contracts and SLA terms -----------------------------------------------------------------
def _validate_contract(data: Mapping[str, Any]) -> None:
    errors: dict[str, str] = {}
    model = data.get("pricing_model")
    if model not in PricingModel.values:
        errors["pricing_model"] = f"Pricing model must be one of {PricingModel.values}."
    else:
        param = PRICING_PARAMETER[PricingModel(model)]
        value = data.get(param)
        if value is None:
            errors[param] = f"The {model} pricing model needs {param}."
        elif Decimal(value) < 0:
            errors[param] = f"{param} cannot be negative."
    low, high = data.get("monthly_minimum"), data.get("monthly_maximum")
    if low is not None and high is not None and Decimal(low) > Decimal(high):
        errors["monthly_maximum"] = "The monthly maximum is below the monthly minimum."
    start, end = data.get("start_date"), data.get("end_date")
    if start and end and end < start:
        errors["end_date"] = "The contract cannot end before it starts."
    at_risk = data.get("at_risk_percent")
    if at_risk is not None and not (0 <= Decimal(at_risk) <= 100):
        errors["at_risk_percent"] = "The at-risk percent must lie between 0 and 100."
    due = data.get("report_due_business_day")
    if due is not None and not (1 <= int(due) <= 23):
        errors["report_due_business_day"] = "The report due business day must be 1 to 23."
    if "standing_bands" in data and not _standing_bands_ok(data["standing_bands"]):
        errors["standing_bands"] = (
            "Standing bands are the lower edges, in points from 0 to 100, of "
            f"{sorted(default_standing_bands())}, e.g. {default_standing_bands()}."
        )
    if errors:
        raise ValidationError(errors)


def _standing_bands_ok(bands: Any) -> bool:
    """The bands name exactly the default's standings, each a number of points 0 to 100."""
    if not isinstance(bands, dict) or set(bands) != set(default_standing_bands()):
        return False
    try:
        edges = [Decimal(str(edge)) for edge in bands.values()]
    except ArithmeticError:
        return False
    return all(edge.is_finite() and 0 <= edge <= 100 for edge in edges)


def _check_overlap(
    *, vendor: Vendor, start: dt.date, end: dt.date | None, exclude: Contract | None = None
) -> None:
    others = Contract.objects.filter(vendor=vendor)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    if end is not None:
        others = others.filter(start_date__lte=end)
    clash = others.exclude(end_date__lt=start).order_by("start_date").first()
    if clash is not None:
        until = clash.end_date.isoformat() if clash.end_date else "open-ended"
        raise ValidationError(
            {
                "start_date": (
                    f"These dates overlap contract version {clash.version} "
                    f"({clash.start_date.isoformat()} to {until}) with the same vendor; "
                    "amend that contract instead, or end it first."
                )
            }
        )


def _terms_from_input(
    terms: Iterable[Mapping[str, Any]] | None,
) -> list[dict[str, Any]]:
    """Resolve KPI codes and fill the default template when terms are left out."""
    if terms is None:
        return selectors.default_template()
    catalog = selectors.kpi_by_code()
    resolved: list[dict[str, Any]] = []
    errors: list[str] = []
    seen: set[str] = set()
    for i, term in enumerate(terms):
        code = term["kpi"].code if isinstance(term["kpi"], KPIDefinition) else str(term["kpi"])
        kpi = catalog.get(code)
        if kpi is None:
            errors.append(f"Term {i + 1}: unknown KPI {code!r}.")
            continue
        if code in seen:
            errors.append(f"Term {i + 1}: KPI {code!r} appears twice.")
            continue
        seen.add(code)
        resolved.append({**term, "kpi": kpi})
    if errors:
        raise ValidationError({"sla_terms": errors})
    return resolved


def _validate_term(term: Mapping[str, Any], position: int) -> list[str]:
    kpi: KPIDefinition = term["kpi"]
    errors = []
    missing = [f for f in ("benchmark", "warning", "weight") if term.get(f) is None]
    if missing:
        return [f"{kpi.code}: {', '.join(missing)} required."]
    benchmark, warning, weight = (Decimal(term[f]) for f in ("benchmark", "warning", "weight"))
    if kpi.direction == Direction.HIGHER and warning > benchmark:
        errors.append(
            f"{kpi.code}: higher is better, so the warning threshold ({warning}) must not be "
            f"above the benchmark ({benchmark})."
        )
    if kpi.direction == Direction.LOWER and warning < benchmark:
        errors.append(
            f"{kpi.code}: lower is better, so the warning threshold ({warning}) must not be "
            f"below the benchmark ({benchmark})."
        )
    if weight <= 0:
        errors.append(f"{kpi.code}: the weight must be positive (got {weight}).")
    if int(term.get("minimum_volume", 30)) < 0:
        errors.append(f"{kpi.code}: the minimum volume cannot be negative.")
    return errors


def _save_terms(contract: Contract, terms: list[dict[str, Any]]) -> None:
    errors = [e for i, t in enumerate(terms) for e in _validate_term(t, i)]
    if errors:
        raise ValidationError({"sla_terms": errors})
    SLATerm.objects.bulk_create(
        [
            SLATerm(
                contract=contract,
                kpi=t["kpi"],
                benchmark=Decimal(t["benchmark"]),
                warning=Decimal(t["warning"]),
                weight=Decimal(t["weight"]),
                minimum_volume=int(t.get("minimum_volume", 30)),
            )
            for t in terms
        ]
    )


@transaction.atomic
def contract_create(
    *,
    organization: Organization,
    vendor: Vendor,
    sla_terms: Iterable[Mapping[str, Any]] | None = None,
    **fields: Any,
) -> Contract:
    """Create a contract version 1 with its SLA terms (the default template when left out)."""
    unknown = set(fields).difference(CONTRACT_FIELDS)
    if unknown:
        raise ValidationError({f: "Unknown contract field." for f in unknown})
    if vendor.organization_id != organization.pk:
        raise ValidationError({"vendor": "The vendor belongs to another organization."})
    _validate_contract(fields)
    # Lock the vendor row so two concurrent creations cannot both pass the overlap check.
    Vendor.objects.select_for_update().filter(pk=vendor.pk).first()
    _check_overlap(vendor=vendor, start=fields["start_date"], end=fields.get("end_date"))
    terms = _terms_from_input(sla_terms)
    latest = Contract.objects.filter(vendor=vendor).order_by("-version").first()
    contract = Contract.objects.create(
        organization=organization,
        vendor=vendor,
        version=latest.version + 1 if latest else 1,
        **fields,
    )
    _save_terms(contract, terms)
    return contract


@transaction.atomic
def contract_update(
    *,
    contract: Contract,
    sla_terms: Iterable[Mapping[str, Any]] | None = None,
    **fields: Any,
) -> Contract:
    """Correct a contract version in place (typos, end date); terms replaced when given.

    Issued scorecards are snapshots, so they never change with it. A change that takes effect
    from a date is an amendment: use ``contract_amend``.
    """
    unknown = set(fields).difference(CONTRACT_FIELDS)
    if unknown:
        raise ValidationError({f: "Unknown contract field." for f in unknown})
    merged = {f: getattr(contract, f) for f in CONTRACT_FIELDS}
    merged.update(fields)
    _validate_contract(merged)
    Vendor.objects.select_for_update().filter(pk=contract.vendor_id).first()
    _check_overlap(
        vendor=contract.vendor,
        start=merged["start_date"],
        end=merged["end_date"],
        exclude=contract,
    )
    for name, value in fields.items():
        setattr(contract, name, value)
    contract.save()
    if sla_terms is not None:
        terms = _terms_from_input(sla_terms)
        contract.sla_terms.all().delete()
        _save_terms(contract, terms)
    return contract


@transaction.atomic
def contract_amend(
    *,
    contract: Contract,
    effective_date: dt.date,
    sla_terms: Iterable[Mapping[str, Any]] | None = None,
    **changes: Any,
) -> Contract:
    """Amend a contract from a date: the old version ends the day before, a new version begins.

    The new version copies every field and SLA term of the old one, then applies the changes.
    """
    unknown = set(changes).difference(CONTRACT_FIELDS, {"start_date"})
    if unknown:
        raise ValidationError({f: "Unknown contract field." for f in unknown})
    locked = Contract.objects.select_for_update().get(pk=contract.pk)
    if hasattr(locked, "amended_by"):
        raise ValidationError({"contract": "This version was already amended; amend the latest."})
    if effective_date <= locked.start_date:
        raise ValidationError(
            {"effective_date": "An amendment must take effect after the version it amends starts."}
        )
    if locked.end_date is not None and effective_date > locked.end_date:
        raise ValidationError({"effective_date": "The amended version has already ended."})
    fields = {f: getattr(locked, f) for f in CONTRACT_FIELDS}
    fields.update(changes)
    fields["start_date"] = effective_date
    _validate_contract(fields)
    old_terms = [
        {
            "kpi": t.kpi,
            "benchmark": t.benchmark,
            "warning": t.warning,
            "weight": t.weight,
            "minimum_volume": t.minimum_volume,
        }
        for t in locked.sla_terms.select_related("kpi")
    ]
    locked.end_date = effective_date - dt.timedelta(days=1)
    locked.save(update_fields=["end_date"])
    _check_overlap(
        vendor=locked.vendor, start=effective_date, end=fields.get("end_date"), exclude=locked
    )
    terms = _terms_from_input(sla_terms) if sla_terms is not None else old_terms
    new = Contract.objects.create(
        organization=locked.organization,
        vendor=locked.vendor,
        version=locked.version + 1,
        amends=locked,
        **fields,
    )
    _save_terms(new, terms)
    return new
