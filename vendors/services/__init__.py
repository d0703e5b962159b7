"""Every write to vendor facts: organizations, members, vendors, KPIs, contracts and SLA terms.

Report ingestion lives in ``vendors.services.reports`` and column aliases in
``vendors.services.aliases``. Each function is keyword-only, runs in a transaction and raises
``ValidationError`` with a message per field when the input is refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, TypedDict, Unpack

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from vendors import periods, selectors
from vendors.ingest import catalog as catalog_rules
from vendors.ingest.catalog import parse_raw_fields
from vendors.ingest.headers import KPISpec
from vendors.models import (
    AuditAction,
    Contract,
    DecimalMark,
    Direction,
    Holiday,
    KPIDefinition,
    Membership,
    Organization,
    PricingModel,
    Role,
    Service,
    SLATerm,
    Unit,
    Vendor,
    default_standing_bands,
    membership_vendor_errors,
)
from vendors.services.audit import (
    audit_record,
    audit_record_many,
    changes_between,
    json_value,
    snapshot,
)

from .rescore import rescore_kpi, rescore_vendor

PRICING_PARAMETER = {
    PricingModel.PERCENT_OF_COLLECTIONS: "percent_of_collections",
    PricingModel.PER_CLAIM: "fee_per_claim",
    PricingModel.FLAT_MONTHLY: "flat_monthly_fee",
}
# How people say each pricing model's contract and its parameter (refusals in the user's words).
PRICING_WORDS = {
    PricingModel.PERCENT_OF_COLLECTIONS: ("percent-of-collections", "percent of collections"),
    PricingModel.PER_CLAIM: ("per-claim", "fee per claim"),
    PricingModel.FLAT_MONTHLY: ("flat monthly", "flat monthly fee"),
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
    "evaluate_with_evidence",
    "denial_first_touch_business_days",
    "denial_follow_up_business_days",
    "denial_appeal_business_days",
    "denial_resolution_business_days",
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
    """Create an organization (a practice or a group of practices), with the default holidays
    (the ``SCORECARD_HOLIDAYS`` setting) as its own holiday list."""
    from .holidays import holidays_default

    organization = Organization.objects.create(name=name, slug=slug or slugify(name))
    for day in holidays_default():
        Holiday.objects.create(organization=organization, date=day)
    audit_record(
        organization_id=organization.pk,
        record=organization,
        record_type="organization",
        action=AuditAction.CREATED,
        changes={"name": [None, organization.name], "slug": [None, organization.slug]},
    )
    return organization


@transaction.atomic
def membership_set(
    *, user: Any, organization: Organization, role: str, vendor: Vendor | None = None
) -> Membership:
    """Give a user a role in an organization (creating or changing the membership).

    A vendor user (role ``vendor``) is bound to ``vendor``, one vendor of the organization; the
    other roles take no vendor.
    """
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}; choose one of {Role.values}."})
    errors = membership_vendor_errors(role=role, vendor=vendor, organization_id=organization.pk)
    if errors:
        raise ValidationError(errors)
    before = Membership.objects.filter(user=user, organization=organization).first()
    membership, _ = Membership.objects.update_or_create(
        user=user, organization=organization, defaults={"role": role, "vendor": vendor}
    )
    vendor_id = None if vendor is None else vendor.pk
    if before is None or (before.role, before.vendor_id) != (role, vendor_id):
        changes: dict[str, Any] = {"role": [None if before is None else before.role, role]}
        if vendor_id is not None or (before is not None and before.vendor_id is not None):
            changes["vendor"] = [None if before is None else before.vendor_id, vendor_id]
        bound = "" if vendor is None else f" for vendor {vendor.slug}"
        audit_record(
            organization_id=organization.pk,
            record=membership,
            record_type="membership",
            action=AuditAction.CREATED if before is None else AuditAction.UPDATED,
            reason=f"{user.get_username()} given the {role} role{bound}.",
            changes=changes,
        )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    """Take a user out of an organization; its last administrator stays."""
    locked = Membership.objects.select_for_update().get(pk=membership.pk)
    if (
        locked.role == Role.ADMIN
        and not Membership.objects.filter(organization_id=locked.organization_id, role=Role.ADMIN)
        .exclude(pk=locked.pk)
        .exists()
    ):
        raise ValidationError(
            {"role": "This is the organization's last administrator; name another one first."}
        )
    locked.delete()


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    email: str = "",
    organization: Organization,
    role: str,
    vendor: Vendor | None = None,
) -> Any:
    """Create a login and make it a member of an organization.

    The password must pass every validator of ``AUTH_PASSWORD_VALIDATORS``; their words are the
    refusal, under ``password``.
    """
    User = get_user_model()
    errors = membership_vendor_errors(role=role, vendor=vendor, organization_id=organization.pk)
    if errors:
        raise ValidationError(errors)
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": "This username is taken."})
    try:
        password_validation.validate_password(password, user=User(username=username, email=email))
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user = User.objects.create_user(username=username, password=password, email=email)
    audit_record(
        organization_id=organization.pk,
        record=user,
        record_type="user",
        action=AuditAction.CREATED,
        changes={"username": [None, username], "email": [None, email]},
    )
    membership_set(user=user, organization=organization, role=role, vendor=vendor)
    return user


USER_FIELDS = ("first_name", "last_name", "email", "is_active")


@transaction.atomic
def user_update(*, user: Any, **fields: Any) -> Any:
    """Change a login's name, e-mail address, or whether it may sign in (``is_active``)."""
    unknown = set(fields).difference(USER_FIELDS)
    if unknown:
        raise ValidationError({f: "Unknown user field." for f in sorted(unknown)})
    for name, value in fields.items():
        setattr(user, name, value)
    if fields:
        user.save(update_fields=list(fields))
    return user


@transaction.atomic
def user_admin_access_set(*, user: Any, is_staff: bool, is_superuser: bool = False) -> Any:
    """Whether a login reaches the Django admin (``is_staff``: scoped to the organizations it
    administers) and whether it is installation staff (``is_superuser``: every organization)."""
    if (user.is_staff, user.is_superuser) != (is_staff, is_superuser):
        user.is_staff, user.is_superuser = is_staff, is_superuser
        user.save(update_fields=["is_staff", "is_superuser"])
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
    if data.get("decimal_mark") not in (None, *DecimalMark.values):
        errors["decimal_mark"] = (
            f"The decimal mark must be '.', ',' or '' (not declared); got {data['decimal_mark']!r}."
        )
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
    vendor = Vendor.objects.create(organization=organization, name=name, **fields)
    audit_record(
        organization_id=organization.pk,
        record=vendor,
        record_type="vendor",
        action=AuditAction.CREATED,
        changes=changes_between({}, snapshot(vendor, ["name", *fields])),
    )
    return vendor


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
    before = snapshot(vendor, fields)
    for name, value in fields.items():
        setattr(vendor, name, value)
    vendor.save()
    changes = changes_between(before, snapshot(vendor, fields))
    if changes:
        audit_record(
            organization_id=vendor.organization_id,
            record=vendor,
            record_type="vendor",
            action=AuditAction.UPDATED,
            changes=changes,
        )
    return vendor


# --- Text the database must be able to hold ---------------------------------------------------
def nul_errors(fields: Mapping[str, object]) -> dict[str, str]:
    """A message per field whose text (or any text inside its list or mapping) holds a NUL
    character, which PostgreSQL cannot store; run before any query that would carry it."""

    def has_nul(value: object) -> bool:
        if isinstance(value, str):
            return "\x00" in value
        if isinstance(value, Mapping):
            return any(has_nul(k) or has_nul(v) for k, v in value.items())
        if isinstance(value, list | tuple | set | frozenset):
            return any(has_nul(v) for v in value)
        return False

    return {
        name: f"The {name} contains a NUL character (\\u0000), which cannot be stored; remove it."
        for name, value in fields.items()
        if has_nul(value)
    }


# --- KPI catalog -----------------------------------------------------------------------------
KPI_TEXT_FIELDS = ("name", "unit", "direction", "formula", "volume_field", "source", "description")
KPI_FIELDS = (*KPI_TEXT_FIELDS, "aliases", "raw_fields")


def _kpi_spec(kpi: KPIDefinition) -> KPISpec:
    return KPISpec(
        code=kpi.code,
        name=kpi.name,
        unit=kpi.unit,
        formula=kpi.formula,
        volume_field=kpi.volume_field,
        aliases=tuple(kpi.aliases or ()),
        raw_fields=kpi.raw_field_pairs(),
    )


def _kpi_shape(
    data: Mapping[str, Any], errors: dict[str, str]
) -> tuple[list[str], tuple[tuple[str, str], ...]]:
    """A custom KPI's fields of the right kinds: its aliases and raw fields, read; what is wrong
    is added to ``errors``, by field."""
    for name in ("code", *KPI_TEXT_FIELDS):
        if not isinstance(data.get(name, ""), str):
            errors[name] = f"The {name} must be text."
    aliases = data.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        errors["aliases"] = "Aliases are a list of header spellings."
        aliases = []
    raw_fields, problem = parse_raw_fields(data.get("raw_fields"))
    if problem:
        errors["raw_fields"] = problem
    if data.get("direction") not in Direction.values:
        errors["direction"] = f"Direction must be one of {Direction.values}."
    if data.get("unit") not in Unit.values:
        errors["unit"] = f"Unit must be one of {Unit.values}."
    return aliases, raw_fields


def _validate_kpi(
    *, organization: Organization, data: Mapping[str, Any], exclude: int | None
) -> tuple[list[str], list[dict[str, str]]]:
    """Check a custom KPI against its organization's catalog; its aliases and raw fields, clean.

    Raises ``ValidationError`` with a message per field.
    """
    errors = nul_errors({"code": data["code"], **{f: data.get(f) for f in KPI_FIELDS}})
    if errors:
        raise ValidationError(errors)  # before any query carries the text
    aliases, raw_fields = _kpi_shape(data, errors)
    if errors:
        raise ValidationError(errors)
    spec = KPISpec(
        code=data["code"],
        name=data["name"],
        unit=data["unit"],
        formula=data.get("formula") or "",
        volume_field=data.get("volume_field") or "",
        aliases=tuple(aliases),
        raw_fields=raw_fields,
    )
    others = selectors.kpi_catalog(organization=organization)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    errors = catalog_rules.kpi_errors(
        spec,
        others=[_kpi_spec(k) for k in others],
        vendor_aliases=selectors.column_alias_headers(organization=organization),
    )
    if errors:
        raise ValidationError(errors)
    return list(aliases), [{"name": name, "unit": unit} for name, unit in raw_fields]


class KPIOptional(TypedDict, total=False):
    """``kpi_create``'s optional keywords: formula, volume field and description default to ""."""

    formula: str
    volume_field: str
    description: str
    aliases: list[str] | None
    raw_fields: list[Any] | None


@transaction.atomic
def kpi_create(
    *,
    organization: Organization,
    code: str,
    name: str,
    unit: str,
    direction: str,
    source: str,
    **optional: Unpack[KPIOptional],
) -> KPIDefinition:
    """Add a KPI to an organization's catalog (data, not code); it is that organization's alone.

    Its code, name and aliases may not re-map a header the catalog already reads, its declared
    raw fields are new lowercase names, and its formula is compiled as uploads will compile it.
    """
    formula = optional.get("formula", "")
    volume_field = optional.get("volume_field", "")
    description = optional.get("description", "")
    data = {
        "code": code,
        "name": name,
        "unit": unit,
        "direction": direction,
        "source": source,
        "formula": formula,
        "volume_field": volume_field,
        "description": description,
        "aliases": optional.get("aliases"),
        "raw_fields": optional.get("raw_fields"),
    }
    clean_aliases, clean_raw = _validate_kpi(organization=organization, data=data, exclude=None)
    kpi = KPIDefinition(
        organization=organization,
        code=code,
        name=name,
        unit=unit,
        direction=direction,
        source=source,
        formula=formula,
        volume_field=volume_field,
        description=description,
        aliases=clean_aliases,
        raw_fields=clean_raw,
    )
    kpi.full_clean(validate_constraints=False)  # the rules above already hold
    try:
        with transaction.atomic():
            kpi.save()
    except IntegrityError:  # the same code saved at the same moment by another request
        raise ValidationError({"code": f"A KPI with code {code!r} already exists."}) from None
    audit_record(
        organization_id=kpi.organization_id,  # None: the shared catalog
        record=kpi,
        record_type="kpi",
        action=AuditAction.CREATED,
        changes=changes_between(
            {}, snapshot(kpi, ["code", "name", "unit", "direction", "formula"])
        ),
    )
    return kpi


@transaction.atomic
def kpi_update(*, kpi: KPIDefinition, **changes: Any) -> KPIDefinition:
    """Change an organization's own KPI; the one place a KPI definition changes.

    The shipped KPIs are shared by every organization and read-only; a KPI's code never
    changes (stored values and aliases name it).
    """
    if kpi.is_shipped:
        raise ValidationError(
            {
                "kpi": f"{kpi.code} is a shipped KPI, shared by every organization and "
                "read-only; add a KPI of your own instead."
            }
        )
    if "code" in changes and changes["code"] != kpi.code:
        errors = nul_errors({"code": changes["code"]})
        raise ValidationError(
            errors or {"code": "A KPI's code cannot change; add a new KPI instead."}
        )
    changes.pop("code", None)
    unknown = set(changes).difference(KPI_FIELDS)
    if unknown:
        raise ValidationError({f: "Unknown or read-only KPI field." for f in sorted(unknown)})
    assert kpi.organization is not None
    data = {"code": kpi.code, **{f: getattr(kpi, f) for f in KPI_FIELDS}, **changes}
    clean_aliases, clean_raw = _validate_kpi(
        organization=kpi.organization, data=data, exclude=kpi.pk
    )
    for name in KPI_TEXT_FIELDS:
        setattr(kpi, name, data[name])
    kpi.aliases, kpi.raw_fields = clean_aliases, clean_raw
    kpi.full_clean(validate_constraints=False)
    kpi.save()
    if set(changes) & set(KPI_SCORED_FIELDS):
        # Scorecards copy the definition: the change reaches them only as new revisions.
        rescore_kpi(kpi_id=kpi.pk, reason=f"KPI {kpi.code} changed")
    return kpi


# What a scorecard copies of a KPI definition (a change to aliases or the description does not
# change an evaluation).
KPI_SCORED_FIELDS = ("name", "unit", "direction", "formula", "volume_field", "source", "raw_fields")


# --- Contracts and SLA terms -----------------------------------------------------------------
def _validate_contract(data: Mapping[str, Any]) -> None:
    errors: dict[str, str] = {}
    model = data.get("pricing_model")
    if model not in PricingModel.values:
        errors["pricing_model"] = f"Pricing model must be one of {PricingModel.values}."
    else:
        param = PRICING_PARAMETER[PricingModel(model)]
        contract_words, param_words = PRICING_WORDS[PricingModel(model)]
        value = data.get(param)
        if value is None:
            errors[param] = f"A {contract_words} contract needs a {param_words}."
        elif Decimal(value) < 0:
            errors[param] = f"The {param_words} cannot be negative."
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
    errors.update(_milestone_errors(data))
    if errors:
        raise ValidationError(errors)


# Denial-work milestones (business days): the lowest and highest a contract may set.
DENIAL_MILESTONES = {
    "denial_first_touch_business_days": ("first touch", 0, 260),
    "denial_follow_up_business_days": ("follow-up", 1, 260),
    "denial_appeal_business_days": ("appeal", 0, 260),
    "denial_resolution_business_days": ("resolution", 0, 520),
}


def _milestone_errors(data: Mapping[str, Any]) -> dict[str, str]:
    errors = {}
    for field, (name, low, high) in DENIAL_MILESTONES.items():
        value = data.get(field)
        if value is not None and not (low <= int(value) <= high):
            errors[field] = f"The denial {name} milestone must be {low} to {high} business days."
    return errors


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
        raise ValidationError(
            {
                "start_date": (
                    f"These dates ({_date_range(start, end)}) overlap contract "
                    f"{clash.agreement} version {clash.version} "
                    f"({_date_range(clash.start_date, clash.end_date)}) of the same vendor; "
                    "a vendor has one contract in force at a time: end that contract first, "
                    "or amend it."
                )
            }
        )


def _date_range(start: dt.date, end: dt.date | None) -> str:
    return f"{start.isoformat()} to {end.isoformat() if end else 'open-ended'}"


def _terms_from_input(
    terms: Iterable[Mapping[str, Any]] | None, organization: Organization
) -> list[dict[str, Any]]:
    """Resolve KPI codes in the organization's catalog (the shipped KPIs and its own) and fill
    the default template when terms are left out."""
    if terms is None:
        return selectors.default_template()
    catalog = selectors.kpi_by_code(organization=organization)
    resolved: list[dict[str, Any]] = []
    errors: list[str] = []
    seen: set[str] = set()
    for i, term in enumerate(terms):
        given = term.get("kpi")
        if isinstance(given, KPIDefinition):
            kpi = catalog.get(given.code)
            code = given.code
            if kpi is not None and kpi.pk != given.pk:
                kpi = None  # another organization's KPI of the same code
        else:
            code = "" if given is None else str(given)
            if "\x00" in code:
                errors.append(f"Term {i + 1}: the kpi contains a NUL character (\\u0000).")
                continue
            kpi = catalog.get(code)
        if kpi is None:
            errors.append(f"Term {i + 1}: kpi {code!r} is not in {organization.name}'s catalog.")
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


TERM_FIELDS = ("kpi", "benchmark", "warning", "weight", "minimum_volume")


def _save_terms(contract: Contract, terms: list[dict[str, Any]], *, reason: str) -> None:
    errors = [e for i, t in enumerate(terms) for e in _validate_term(t, i)]
    if errors:
        raise ValidationError({"sla_terms": errors})
    created = SLATerm.objects.bulk_create(
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
    # bulk_create skips simple-history: the audit trail records the terms in one insert too.
    audit_record_many(
        organization_id=contract.organization_id,
        records=[(t, changes_between({}, snapshot(t, TERM_FIELDS))) for t in created],
        record_type="sla_term",
        action=AuditAction.CREATED,
        reason=reason,
    )


def _audit_contract(contract: Contract, action: str, changes: dict[str, Any], reason: str) -> None:
    audit_record(
        organization_id=contract.organization_id,
        record=contract,
        record_type="contract",
        action=action,
        changes=changes,
        reason=reason,
    )


@transaction.atomic
def contract_create(
    *,
    organization: Organization,
    vendor: Vendor,
    sla_terms: Iterable[Mapping[str, Any]] | None = None,
    **fields: Any,
) -> Contract:
    """Create a new agreement with a vendor, its version 1, with its SLA terms (the default
    template when left out). The vendor may have had others, none in force on these dates."""
    unknown = set(fields).difference(CONTRACT_FIELDS)
    if unknown:
        raise ValidationError({f: "Unknown contract field." for f in unknown})
    if vendor.organization_id != organization.pk:
        raise ValidationError({"vendor": "The vendor belongs to another organization."})
    _validate_contract(fields)
    # Lock the vendor row so two concurrent creations cannot both pass the overlap check.
    Vendor.objects.select_for_update().filter(pk=vendor.pk).first()
    _check_overlap(vendor=vendor, start=fields["start_date"], end=fields.get("end_date"))
    terms = _terms_from_input(sla_terms, organization)
    latest = Contract.objects.filter(vendor=vendor).order_by("-agreement").first()
    contract = Contract.objects.create(
        organization=organization,
        vendor=vendor,
        agreement=latest.agreement + 1 if latest else 1,
        version=1,
        **fields,
    )
    why = f"Contract v{contract.version} created" + (
        " (default template)." if sla_terms is None else "."
    )
    _audit_contract(
        contract, AuditAction.CREATED, changes_between({}, snapshot(contract, fields)), why
    )
    _save_terms(contract, terms, reason=why)
    rescore_vendor(
        vendor=vendor, from_period=periods.period_of(contract.start_date), reason="contract created"
    )
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
    first = min(contract.start_date, merged["start_date"])
    before = snapshot(contract, fields)
    for name, value in fields.items():
        setattr(contract, name, value)
    contract.save()
    why = f"Contract v{contract.version} corrected in place."
    changes = changes_between(before, snapshot(contract, fields))
    if changes:
        _audit_contract(contract, AuditAction.UPDATED, changes, why)
    if sla_terms is not None:
        terms = _terms_from_input(sla_terms, contract.organization)
        old = list(contract.sla_terms.select_related("kpi"))
        audit_record_many(
            organization_id=contract.organization_id,
            records=[(t, changes_between(snapshot(t, TERM_FIELDS), {})) for t in old],
            record_type="sla_term",
            action=AuditAction.DELETED,
            reason=why,
        )
        contract.sla_terms.all().delete()
        _save_terms(contract, terms, reason=why)
    # The periods it covers (before and after the edit) are evaluated again.
    rescore_vendor(
        vendor=contract.vendor, from_period=periods.period_of(first), reason="contract edited"
    )
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
    why = f"Amended from {effective_date.isoformat()} by v{locked.version + 1}."
    ended = effective_date - dt.timedelta(days=1)
    _audit_contract(
        locked, AuditAction.UPDATED, {"end_date": [json_value(locked.end_date), str(ended)]}, why
    )
    locked.end_date = ended
    locked.save(update_fields=["end_date"])
    _check_overlap(
        vendor=locked.vendor, start=effective_date, end=fields.get("end_date"), exclude=locked
    )
    terms = (
        _terms_from_input(sla_terms, locked.organization) if sla_terms is not None else old_terms
    )
    new = Contract.objects.create(
        organization=locked.organization,
        vendor=locked.vendor,
        agreement=locked.agreement,
        version=locked.version + 1,
        amends=locked,
        **fields,
    )
    _audit_contract(
        new,
        AuditAction.CREATED,
        changes_between({}, snapshot(new, ["amends", *fields])),
        f"Amends v{locked.version} from {effective_date.isoformat()}.",
    )
    _save_terms(new, terms, reason=f"Amendment v{new.version} of v{locked.version}.")
    rescore_vendor(
        vendor=new.vendor,
        from_period=periods.period_of(effective_date),
        reason=f"contract amended from {effective_date.isoformat()}",
    )
    return new


SLA_TERM_FIELDS = ("benchmark", "warning", "weight", "minimum_volume")


@transaction.atomic
def sla_term_update(*, term: SLATerm, **fields: Any) -> SLATerm:
    """Change one SLA term of a contract version in place (benchmark, warning, weight, minimum
    volume); the contract's periods are re-scored as new scorecard revisions."""
    unknown = set(fields).difference(SLA_TERM_FIELDS)
    if unknown:
        raise ValidationError({f: "Unknown SLA term field." for f in unknown})
    locked = SLATerm.objects.select_for_update().select_related("kpi", "contract__vendor")
    term = locked.get(pk=term.pk)
    merged = {f: getattr(term, f) for f in SLA_TERM_FIELDS} | fields
    errors = _validate_term({**merged, "kpi": term.kpi}, 0)
    if errors:
        raise ValidationError({"sla_terms": errors})
    before = snapshot(term, SLA_TERM_FIELDS)
    for name, value in fields.items():
        setattr(term, name, int(value) if name == "minimum_volume" else Decimal(value))
    term.save()
    term.refresh_from_db()  # the trail shows the values as stored
    changes = changes_between(before, snapshot(term, SLA_TERM_FIELDS))
    if changes:
        audit_record(
            organization_id=term.contract.organization_id,
            record=term,
            record_type="sla_term",
            action=AuditAction.UPDATED,
            reason=f"SLA term {term.kpi.code} of contract v{term.contract.version} changed.",
            changes=changes,
        )
    rescore_vendor(
        vendor=term.contract.vendor,
        from_period=periods.period_of(term.contract.start_date),
        reason=f"SLA term {term.kpi.code} changed",
    )
    return term
