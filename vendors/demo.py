"""The demo organization used by ``manage.py quickstart``: safe to build twice.

Three vendors, one per pricing model, on the default SLA template. Later steps (reports,
scorecards, PDFs) add to it through the same services a user's data goes through.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from . import services
from .models import Contract, Organization, PricingModel, Role, Vendor

DEMO_ORG_SLUG = "demo-practice"
DEMO_PASSWORD = "scorecard-demo"  # noqa: S105 - printed by quickstart; embedded demo only
DEMO_USERS = [
    ("admin", Role.ADMIN, True),
    ("finance", Role.FINANCE, False),
    ("compliance", Role.COMPLIANCE, False),
    ("viewer", Role.VIEWER, False),
]
CONTRACT_START = dt.date(2025, 11, 1)


@dataclass(frozen=True)
class DemoVendor:
    """One demo vendor and its contract terms."""

    slug: str
    name: str
    pricing: dict[str, Any]
    profile: dict[str, Any]


DEMO_VENDORS = [
    DemoVendor(
        slug="northwind-billing",
        name="Northwind Billing",
        pricing={
            "pricing_model": PricingModel.PERCENT_OF_COLLECTIONS,
            "percent_of_collections": Decimal("6.0"),
            "monthly_minimum": Decimal("20000.00"),
        },
        profile={
            "services": ["coding", "billing"],
            "specialties": ["family medicine", "internal medicine"],
            "certified_coders": 14,
            "account_manager_name": "Dana Whitfield",
            "account_manager_email": "dana@northwind.example",
            "account_manager_response_business_days": Decimal("1"),
            "integrations": ["Epic", "athenahealth"],
            "baa_signed_on": dt.date(2025, 10, 15),
            "baa_expires_on": dt.date(2027, 10, 14),
            "encryption_at_rest": True,
            "encryption_in_transit": True,
            "mfa_enforced": True,
            "breach_notification_protocol": True,
            "breach_notification_hours": 48,
            "audit_log_retention_days": 2190,
            "last_security_risk_assessment_on": dt.date(2026, 3, 2),
            "data_return_on_termination": True,
        },
    ),
    DemoVendor(
        slug="summit-rcm",
        name="Summit RCM",
        pricing={
            "pricing_model": PricingModel.PER_CLAIM,
            "fee_per_claim": Decimal("4.50"),
            "monthly_maximum": Decimal("25000.00"),
        },
        profile={
            "services": ["billing"],
            "specialties": ["cardiology", "orthopedics"],
            "certified_coders": 6,
            "account_manager_name": "Luis Ortega",
            "account_manager_email": "luis@summitrcm.example",
            "account_manager_response_business_days": Decimal("2"),
            "integrations": ["eClinicalWorks"],
            "baa_signed_on": dt.date(2024, 12, 1),
            "baa_expires_on": dt.date(2026, 11, 30),
            "encryption_at_rest": True,
            "encryption_in_transit": True,
            "mfa_enforced": False,
            "breach_notification_protocol": True,
            "breach_notification_hours": 72,
            "audit_log_retention_days": 365,
            "last_security_risk_assessment_on": dt.date(2025, 6, 20),
            "data_return_on_termination": True,
        },
    ),
    DemoVendor(
        slug="harbor-coding",
        name="Harbor Coding Partners",
        pricing={
            "pricing_model": PricingModel.FLAT_MONTHLY,
            "flat_monthly_fee": Decimal("18500.00"),
        },
        profile={
            "services": ["coding"],
            "specialties": ["radiology", "emergency medicine"],
            "certified_coders": 22,
            "account_manager_name": "Priya Natarajan",
            "account_manager_email": "priya@harborcoding.example",
            "account_manager_response_business_days": Decimal("0.5"),
            "integrations": ["Epic", "Cerner"],
            "baa_signed_on": dt.date(2025, 9, 1),
            "baa_expires_on": dt.date(2028, 8, 31),
            "encryption_at_rest": True,
            "encryption_in_transit": True,
            "mfa_enforced": True,
            "breach_notification_protocol": True,
            "breach_notification_hours": 24,
            "audit_log_retention_days": 2555,
            "last_security_risk_assessment_on": dt.date(2026, 8, 12),
            "data_return_on_termination": True,
        },
    ),
]


@transaction.atomic
def demo_setup() -> Organization:
    """Create the demo organization, logins, vendors and contracts; a second run adds nothing."""
    org = Organization.objects.filter(slug=DEMO_ORG_SLUG).first()
    if org is None:
        org = services.organization_create(name="Demo Family Practice", slug=DEMO_ORG_SLUG)
    users = get_user_model().objects
    for username, role, staff in DEMO_USERS:
        if not users.filter(username=username).exists():
            user = services.user_create(
                username=username,
                password=DEMO_PASSWORD,
                email=f"{username}@demo-practice.example",
                organization=org,
                role=role,
            )
            if staff:
                user.is_staff = user.is_superuser = True
                user.save(update_fields=["is_staff", "is_superuser"])
    for demo in DEMO_VENDORS:
        vendor = Vendor.objects.filter(organization=org, slug=demo.slug).first()
        if vendor is None:
            vendor = services.vendor_create(
                organization=org, name=demo.name, slug=demo.slug, **demo.profile
            )
        if not Contract.objects.filter(vendor=vendor).exists():
            services.contract_create(
                organization=org, vendor=vendor, start_date=CONTRACT_START, **demo.pricing
            )
    return org
