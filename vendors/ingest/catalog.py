"""The rules of an organization's KPI catalog: what its codes, names, aliases and raw fields may be.

Pure: the catalog as ``KPISpec`` in, a message per field out. A header means one thing in an
organization's files: every code, name, alias and raw field is compared as headers are
(``headers.normalize``), so nothing saved can re-map a column another entry already names. The
services call these when a KPI or a vendor's column alias is saved.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .formulas import FormulaError, compile_formula
from .headers import RAW_FIELDS, STRUCTURAL, KPISpec, normalize

PERIOD_DAYS = "period_days"  # calendar days in the period, given to every formula
IDENTIFIER = re.compile(r"[a-z][a-z0-9_]{0,79}")
RAW_FIELD_UNITS = ("count", "currency", "days", "hours", "business_days")
DEFAULT_RAW_FIELD_UNIT = "count"


@dataclass(frozen=True)
class Meaning:
    """What a normalised header already means: its target and how to say it in a message."""

    target: str
    described: str


def meanings(kpis: Iterable[KPISpec], *, with_aliases: bool = True) -> dict[str, Meaning]:
    """Every header a catalog already gives a meaning to, by its normalised spelling."""
    kpis = list(kpis)
    out: dict[str, Meaning] = {}
    for structural, spellings in STRUCTURAL.items():
        for spelling in spellings:
            out.setdefault(
                normalize(spelling), Meaning(structural, f"the reserved header '{spelling}'")
            )
    out[normalize(PERIOD_DAYS)] = Meaning(PERIOD_DAYS, f"the formula input {PERIOD_DAYS}")
    for raw in RAW_FIELDS:
        out[normalize(raw)] = Meaning(raw, f"the raw field {raw}")
    for kpi in kpis:
        for raw, _ in kpi.raw_fields:
            out.setdefault(
                normalize(raw), Meaning(raw, f"the raw field {raw} (declared by KPI {kpi.code})")
            )
    for kpi in kpis:
        if with_aliases:
            for alias in kpi.aliases:
                out.setdefault(normalize(alias), Meaning(kpi.code, f"an alias of KPI {kpi.code}"))
        out[normalize(kpi.name)] = Meaning(kpi.code, f"the name of KPI {kpi.code} ({kpi.name})")
        out[normalize(kpi.code)] = Meaning(kpi.code, f"the KPI code {kpi.code}")
    return out


def alias_targets(kpis: Iterable[KPISpec]) -> set[str]:
    """What a vendor's column alias may point to: a KPI code, a raw field or a layout column."""
    kpis = list(kpis)
    return {
        *STRUCTURAL,
        *RAW_FIELDS,
        *(raw for kpi in kpis for raw, _ in kpi.raw_fields),
        *(kpi.code for kpi in kpis),
    }


def column_alias_errors(*, header: str, target: str, kpis: Sequence[KPISpec]) -> dict[str, str]:
    """Why a vendor's alias ``header -> target`` cannot be saved in this catalog (empty: it can).

    An alias may spell a header its own way, or declare the scale of a column that is already
    named by its code; it may never give a code, name, raw field or reserved header of the
    catalog another meaning. The catalog's own aliases are not reserved: a vendor's mapping wins.
    """
    errors: dict[str, str] = {}
    key = normalize(header)
    if not key:
        errors["header"] = "The header needs at least one letter or digit."
    if target not in alias_targets(kpis):
        errors["target"] = f"{target!r} is neither a KPI code of the catalog nor a raw count."
    meaning = meanings(kpis, with_aliases=False).get(key) if key else None
    if meaning is not None and meaning.target != target:
        errors["header"] = (
            f"'{header}' already means {meaning.described}; an alias cannot give it another "
            f"meaning ({target})."
        )
    return errors


def parse_raw_fields(value: object) -> tuple[tuple[tuple[str, str], ...], str | None]:
    """Declared raw fields as (name, unit) pairs, from a list of names or of {name, unit}.

    Returns the pairs and a message when the value cannot be read.
    """
    if value is None:
        return (), None
    if not isinstance(value, list | tuple):
        return (), 'Raw fields are a list of names, or of {"name": ..., "unit": ...}.'
    pairs: list[tuple[str, str]] = []
    for i, item in enumerate(value, start=1):
        if isinstance(item, str):
            pairs.append((item, DEFAULT_RAW_FIELD_UNIT))
        elif (
            isinstance(item, Mapping)
            and set(item) <= {"name", "unit"}
            and isinstance(item.get("name"), str)
            and isinstance(item.get("unit", DEFAULT_RAW_FIELD_UNIT), str)
        ):
            pairs.append((item["name"], item.get("unit", DEFAULT_RAW_FIELD_UNIT)))
        else:
            return (), f'Raw field {i}: give a name, or {{"name": ..., "unit": ...}}.'
    return tuple(pairs), None


def kpi_errors(
    kpi: KPISpec,
    *,
    others: Sequence[KPISpec],
    vendor_aliases: Mapping[str, Sequence[tuple[str, str]]],
) -> dict[str, str]:
    """Why a custom KPI cannot be saved in its organization's catalog (empty: it can).

    ``others`` is the rest of the organization's catalog (shipped KPIs and its own);
    ``vendor_aliases`` maps the normalised headers of its vendors' column aliases to their
    (header as written, target) pairs.
    """
    errors: dict[str, str] = {}
    taken = meanings(others)

    def clash(text: str, field: str) -> str | None:
        key = normalize(text)
        if not key:
            return f"The {field} needs at least one letter or digit."
        meaning = taken.get(key)
        if meaning is not None:
            return f"'{text}' already means {meaning.described}; choose another {field}."
        for header, target in vendor_aliases.get(key, ()):
            if target != kpi.code:
                return (
                    f"'{text}' is the column alias '{header}' of a vendor (for {target}); "
                    f"choose another {field}."
                )
        return None

    shipped = {k.code for k in others}
    if not IDENTIFIER.fullmatch(kpi.code):
        errors["code"] = (
            f"{kpi.code!r} is not a KPI code: lowercase letters, digits and underscores, "
            "starting with a letter (e.g. charge_lag_days)."
        )
    elif kpi.code in shipped:
        errors["code"] = f"A KPI with code {kpi.code!r} already exists."
    elif message := clash(kpi.code, "code"):
        errors["code"] = message
    if not kpi.name.strip():
        errors["name"] = "The name is required."
    elif message := clash(kpi.name, "name"):
        errors["name"] = message
    own = {normalize(kpi.code), normalize(kpi.name)}
    for alias in kpi.aliases:
        if normalize(alias) in own:
            continue  # the KPI's own code or name, spelled another way: no new meaning
        if message := clash(alias, "alias"):
            errors["aliases"] = message
            break

    raw_units: dict[str, str] = {}
    declared_elsewhere: dict[str, tuple[str, str]] = {}  # raw field -> (unit, first KPI)
    for other in others:
        for raw, unit in other.raw_fields:
            declared_elsewhere.setdefault(raw, (unit, other.code))
    for raw, unit in kpi.raw_fields:
        problem = None
        if not IDENTIFIER.fullmatch(raw):
            problem = (
                f"{raw!r} is not a raw field name: lowercase letters, digits and underscores, "
                "starting with a letter."
            )
        elif raw in RAW_FIELDS or raw == PERIOD_DAYS:
            problem = f"{raw!r} is a shipped raw field; a formula may use it without declaring."
        elif unit not in RAW_FIELD_UNITS:
            problem = f"Raw field {raw}: the unit must be one of {list(RAW_FIELD_UNITS)}."
        elif raw in raw_units:
            problem = f"Raw field {raw} is declared twice."
        elif raw in declared_elsewhere:
            if declared_elsewhere[raw][0] != unit:
                other_unit, code = declared_elsewhere[raw]
                problem = (
                    f"Raw field {raw} is declared by KPI {code} in {other_unit}; declare it in "
                    "the same unit."
                )
        elif normalize(raw) in own | {normalize(a) for a in kpi.aliases}:
            problem = f"Raw field {raw} would read as this KPI's own column."
        else:
            problem = clash(raw, "raw field name")
        if problem:
            errors["raw_fields"] = problem
            break
        raw_units[raw] = unit

    allowed = {*RAW_FIELDS, PERIOD_DAYS, *raw_units}
    if kpi.formula.strip():
        try:
            compile_formula(kpi.formula, allowed=allowed)
        except FormulaError as exc:
            errors["formula"] = str(exc)
    if kpi.volume_field and kpi.volume_field not in allowed - {PERIOD_DAYS}:
        errors["volume_field"] = (
            f"{kpi.volume_field!r} is not a raw field; the volume field is one of "
            f"{', '.join(sorted(allowed - {PERIOD_DAYS}))}."
        )
    return errors
