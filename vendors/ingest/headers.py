"""Matching a column header (or a long file's metric name) to a KPI code or raw field.

Headers compare without case, spaces or punctuation. A vendor's own aliases come first, then
the catalog's codes, names and aliases, then the raw fields and the structural columns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

PERCENT, FRACTION = "percent", "fraction"
UNDECLARED = ""  # a percent column matched by the catalog, with no alias declaring its scale

# Raw counts behind the KPIs (domain.md section 2) and their unit.
RAW_FIELDS: dict[str, str] = {
    "claims_submitted": "count",
    "claims_accepted_first_pass": "count",
    "claims_denied": "count",
    "gross_charges": "currency",
    "contractual_adjustments": "currency",
    "payments": "currency",
    "total_ar": "currency",
    "ar_0_30": "currency",
    "ar_31_60": "currency",
    "ar_61_90": "currency",
    "ar_91_120": "currency",
    "ar_over_120": "currency",
}
AGING_BUCKETS = ("ar_0_30", "ar_31_60", "ar_61_90", "ar_91_120", "ar_over_120")
# Structural columns of the wide, long and breakdown layouts, with common spellings.
STRUCTURAL: dict[str, tuple[str, ...]] = {
    "period": (
        "period",
        "month",
        "reporting period",
        "report period",
        "period end",
        "period ending",
        "reporting month",
    ),
    "vendor": ("vendor", "vendor slug", "vendor name", "vendor id"),
    "metric": ("metric", "kpi", "measure", "field"),
    "value": ("value", "amount reported", "result"),
    "payer": ("payer", "payor", "insurance", "payer name"),
    "denial_reason": ("denial reason", "reason", "carc", "reason code", "denial code"),
    "amount_denied": ("amount denied", "denied amount", "denial amount"),
}


def normalize(header: object) -> str:
    """A header without case, spaces or punctuation: 'Days in A/R' -> 'daysinar'."""
    return re.sub(r"[\W_]+", "", str(header).casefold())


@dataclass(frozen=True)
class KPISpec:
    """What ingestion needs of one KPI catalog entry."""

    code: str
    name: str
    unit: str
    formula: str = ""
    volume_field: str = ""
    aliases: tuple[str, ...] = ()
    raw_fields: tuple[tuple[str, str], ...] = ()  # declared by a custom KPI: (name, unit)


@dataclass(frozen=True)
class AliasSpec:
    """A vendor's own header for a KPI or raw field, and the declared scale of its values."""

    header: str
    target: str
    scale: str = UNDECLARED  # "", percent or fraction: only a declared scale reads 0 to 1


@dataclass(frozen=True)
class Column:
    """What a header means: its target field and the declared scale of a percent column
    (``UNDECLARED`` unless a vendor's alias declares it)."""

    target: str
    scale: str = UNDECLARED


@dataclass
class HeaderMatcher:
    """Resolves headers for one vendor (or for a file covering several, with no aliases)."""

    kpis: Iterable[KPISpec]
    aliases: Iterable[AliasSpec] = ()
    table: dict[str, Column] = field(init=False, default_factory=dict)
    units: dict[str, str] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        table: dict[str, Column] = {}
        for structural, spellings in STRUCTURAL.items():
            for spelling in spellings:
                table[normalize(spelling)] = Column(structural)
        for raw, unit in RAW_FIELDS.items():
            table[normalize(raw)] = Column(raw)
            self.units[raw] = unit
        for kpi in self.kpis:  # raw fields a custom KPI declared, read like the shipped ones
            for raw, unit in kpi.raw_fields:
                table[normalize(raw)] = Column(raw)
                self.units[raw] = unit
        for kpi in self.kpis:
            self.units[kpi.code] = kpi.unit
            for spelling in (*kpi.aliases, kpi.name, kpi.code):  # codes win over others' aliases
                table[normalize(spelling)] = Column(kpi.code)
        for alias in self.aliases:  # the vendor's own mapping wins over the catalog
            table[normalize(alias.header)] = Column(alias.target, alias.scale)
        self.table = table

    def match(self, header: object) -> Column | None:
        """The column a header names, or None."""
        key = normalize(header)
        return self.table.get(key) if key else None
