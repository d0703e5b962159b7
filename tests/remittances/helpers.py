"""The hand-written 835 files (see files/README.md) and an organization whose payees are mapped."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from remittances.services.payees import payee_mapping_create
from tests.factories import OrganizationFactory, VendorFactory
from vendors.models import Organization, Vendor

FILES = Path(__file__).parent / "files"


def data(name: str) -> bytes:
    """The bytes of one of the test files."""
    return (FILES / name).read_bytes()


@dataclass
class Practice:
    organization: Organization
    good: Vendor  # bills for GOOD BILLING LLC (XX 1234567893)
    fast: Vendor  # bills for FAST CODERS INC (FI 123456789)


def practice(*, map_fast: bool = True) -> Practice:
    """An organization with two vendors, each mapped to its payee (FAST's only if ``map_fast``)."""
    organization = OrganizationFactory()
    good = VendorFactory(organization=organization, name="Good Billing")
    fast = VendorFactory(organization=organization, name="Fast Coders")
    payee_mapping_create(
        organization=organization,
        id_qualifier="XX",
        payee_id="1234567893",
        payee_name="GOOD BILLING LLC",
        vendor=good,
    )
    if map_fast:
        payee_mapping_create(
            organization=organization,
            id_qualifier="FI",
            payee_id="123456789",
            payee_name="FAST CODERS INC",
            vendor=fast,
        )
    return Practice(organization, good, fast)
