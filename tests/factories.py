"""Factories for tests: model rows built through the same services users go through."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone

from vendors import services
from vendors.models import (
    Contract,
    Membership,
    Organization,
    PricingModel,
    Report,
    ReportUpload,
    ReportValue,
    Role,
    Vendor,
)


class OrganizationFactory(factory.django.DjangoModelFactory):
    """An organization."""

    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Practice {n}")
    slug = factory.Sequence(lambda n: f"practice-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    """A login with the password ``pw``."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.PostGenerationMethodCall("set_password", "pw")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    """A user's role in an organization."""

    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.ADMIN


def member(organization: Organization, role: str = Role.ADMIN, **kwargs: Any) -> Any:
    """A new user holding ``role`` in ``organization``."""
    return MembershipFactory(organization=organization, role=role, **kwargs).user


class VendorFactory(factory.django.DjangoModelFactory):
    """A vendor (created through ``vendor_create``)."""

    class Meta:
        model = Vendor

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Vendor {n}")

    @classmethod
    def _create(cls, model_class: type, *args: Any, **kwargs: Any) -> Vendor:
        return services.vendor_create(**kwargs)


class ContractFactory(factory.django.DjangoModelFactory):
    """A contract version on the default SLA template (created through ``contract_create``)."""

    class Meta:
        model = Contract

    vendor = factory.SubFactory(VendorFactory)
    organization = factory.LazyAttribute(lambda c: c.vendor.organization)
    start_date = dt.date(2025, 1, 1)
    pricing_model = PricingModel.PERCENT_OF_COLLECTIONS
    percent_of_collections = Decimal("6")

    @classmethod
    def _create(cls, model_class: type, *args: Any, **kwargs: Any) -> Contract:
        return services.contract_create(**kwargs)


def make_report(
    vendor: Vendor,
    period: str,
    values: dict[str, Decimal | int | str | None],
    *,
    received_at: dt.datetime | None = None,
    recomputed: dict[str, Decimal | None] | None = None,
) -> Report:
    """A stored current report with the given evaluated values (bypassing file parsing).

    For tests of evaluation that must not depend on ingestion; ``values`` maps KPI codes or raw
    fields to the value evaluated; ``recomputed`` optionally gives recomputed values by KPI.
    """
    from vendors.selectors import kpi_by_code

    catalog = kpi_by_code()
    received_at = received_at or timezone.now()
    body = f"{vendor.pk}:{period}:{sorted(values.items())}:{received_at.isoformat()}".encode()
    upload = ReportUpload(
        organization=vendor.organization,
        file_name=f"{vendor.slug}_{period}.csv",
        sha256=hashlib.sha256(body).hexdigest(),
        size_bytes=len(body),
        source="csv",
        received_at=received_at,
    )
    upload.file.save(upload.file_name, ContentFile(body), save=False)
    upload.save()
    previous = Report.objects.filter(vendor=vendor, period=period).order_by("-version").first()
    if previous is not None:
        Report.objects.filter(pk=previous.pk).update(is_current=False, superseded_at=received_at)
    report = Report.objects.create(
        organization=vendor.organization,
        vendor=vendor,
        period=period,
        version=previous.version + 1 if previous else 1,
        upload=upload,
        received_at=received_at,
    )
    recomputed = recomputed or {}
    ReportValue.objects.bulk_create(
        [
            ReportValue(
                report=report,
                field=field,
                kpi=catalog.get(field),
                stated_value=None if value is None else Decimal(str(value)),
                recomputed_value=recomputed.get(field),
                value=recomputed.get(field, None if value is None else Decimal(str(value))),
                insufficient_data=value is None and field in catalog,
            )
            for field, value in values.items()
        ]
    )
    return report


# --- Scorecards (PDF/jobs issue) --------------------------------------------------------------
SCORECARD_DEFAULTS: dict[str, Any] = {
    "revision": 1,
    "overall_score": "82.5",
    "standing": "Good",
    "fee": "21345.50",
    "credit": "0",
    "snapshot": None,
    "is_current": True,
}


def _decimal(value: Decimal | str | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def make_scorecard(
    contract: Contract,
    period: str,
    values: dict[str, tuple[Decimal | str | None, str]],
    *,
    stated: dict[str, Decimal | str] | None = None,
    **card: Any,
) -> Any:
    """A current scorecard row with one KPI row per SLA term of the contract, built directly.

    ``values`` maps KPI codes to (value, status); the definition and SLA term are frozen into the
    row as evaluation does. ``stated`` gives a vendor's stated value that differs from the value.
    ``card`` overrides ``SCORECARD_DEFAULTS`` (revision, overall_score, standing, fee, credit,
    snapshot, is_current). For tests of rendering and jobs that must not depend on the evaluation.
    """
    from scorecard.models import Scorecard, ScorecardKPI

    unknown = set(card) - set(SCORECARD_DEFAULTS)
    if unknown:
        raise TypeError(f"make_scorecard() got unexpected arguments {sorted(unknown)}")
    card = {**SCORECARD_DEFAULTS, **card}
    stated = stated or {}
    scorecard = Scorecard.objects.create(
        organization=contract.organization,
        contract=contract,
        vendor=contract.vendor,
        period=period,
        revision=card["revision"],
        is_current=card["is_current"],
        inputs_sha256=hashlib.sha256(
            f"{contract.pk}:{period}:{card['revision']}".encode()
        ).hexdigest(),
        overall_score=_decimal(card["overall_score"]),
        standing=card["standing"],
        currency=contract.currency,
        fee=_decimal(card["fee"]),
        credit=_decimal(card["credit"]),
        snapshot=card["snapshot"] or {},
        issued_at=timezone.now(),
    )
    rows = []
    for order, term in enumerate(contract.sla_terms.select_related("kpi")):
        if term.kpi.code not in values:
            continue
        value, status = values[term.kpi.code]
        value = None if value is None else Decimal(str(value))
        stated_value = Decimal(str(stated[term.kpi.code])) if term.kpi.code in stated else value
        rows.append(
            ScorecardKPI(
                scorecard=scorecard,
                kpi_code=term.kpi.code,
                kpi_name=term.kpi.name,
                unit=term.kpi.unit,
                direction=term.kpi.direction,
                formula=term.kpi.formula,
                source=term.kpi.source,
                benchmark=term.benchmark,
                warning=term.warning,
                weight=term.weight,
                value=value,
                stated_value=stated_value,
                recomputed_value=value if term.kpi.code in stated else None,
                status=status,
                points=Decimal("100") if status == "meets" else Decimal("0"),
                display_order=order,
            )
        )
    ScorecardKPI.objects.bulk_create(rows)
    return scorecard


# --- Pages (remediation items and termination rights, built directly) --------------------------
def make_remediation(
    contract: Contract,
    kpi_code: str,
    *,
    status: str = "open",
    kind: str = "breach",
    opened_period: str = "2026-08",
    cure_deadline: dt.date | None = dt.date(2026, 10, 30),
    meeting_streak: int = 0,
) -> Any:
    """A remediation item of a contract's KPI with its opening event (as evaluation leaves it)."""
    from scorecard.models import RemediationEvent, RemediationItem
    from vendors.models import KPIDefinition

    item = RemediationItem.objects.create(
        organization=contract.organization,
        contract=contract,
        vendor=contract.vendor,
        kpi=KPIDefinition.objects.get(code=kpi_code),
        kind=kind,
        status=status,
        opened_period=opened_period,
        cure_deadline=cure_deadline,
        meeting_streak=meeting_streak,
    )
    RemediationEvent.objects.create(
        item=item,
        from_status="",
        to_status=status,
        at=timezone.now(),
        reason=f"{kpi_code} in breach in {opened_period}",
        period=opened_period,
    )
    return item


def make_termination_right(contract: Contract, kpi_code: str, periods: list[str]) -> Any:
    """A raised termination right (an alert) for consecutive breach periods of one KPI."""
    from scorecard.models import TerminationRight
    from vendors.models import KPIDefinition

    return TerminationRight.objects.create(
        organization=contract.organization,
        contract=contract,
        vendor=contract.vendor,
        kpi=KPIDefinition.objects.get(code=kpi_code),
        periods=periods,
        raised_at=timezone.now(),
    )
