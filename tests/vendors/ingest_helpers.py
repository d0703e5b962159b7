"""Helpers for ingestion tests: sample files, a vendor with contract, and ingesting bytes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.factories import ContractFactory, VendorFactory
from vendors.models import Organization, Vendor
from vendors.services.reports import IngestResult, report_ingest

SAMPLES = Path(__file__).parent / "samples"  # copies of /work/shared/samples


def sample(name: str) -> bytes:
    """The bytes of a shared sample file."""
    return (SAMPLES / name).read_bytes()


def vendor(org: Organization, slug: str, name: str | None = None, contract: bool = True) -> Vendor:
    """A vendor of ``org`` (with a default-template contract from 2025-01-01)."""
    made = VendorFactory(organization=org, slug=slug, name=name or slug.replace("-", " ").title())
    if contract:
        ContractFactory(vendor=made)
    return made


def ingest(
    v: Vendor | None, content: bytes | str, name: str = "report.csv", **kw: Any
) -> IngestResult:
    """Ingest bytes (or text) for a vendor through the one write path."""
    if isinstance(content, str):
        content = content.encode()
    org = kw.pop("organization", None) or v.organization
    return report_ingest(organization=org, vendor=v, content=content, file_name=name, **kw)


def values_of(report: Any) -> dict[str, tuple]:
    """field -> (stated, recomputed, value, insufficient_data) of a stored report."""
    return {
        rv.field: (rv.stated_value, rv.recomputed_value, rv.value, rv.insufficient_data)
        for rv in report.values.all()
    }
