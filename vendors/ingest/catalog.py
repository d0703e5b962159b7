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


@dataclass(frozen=True)
class _Clashes:
    """Whether a spelling a custom KPI introduces already means something in its organization."""

    code: str
    taken: Mapping[str, Meaning]
    vendor_aliases: Mapping[str, Sequence[tuple[str, str]]]

    def __call__(self, text: str, field: str) -> str | None:
        key = normalize(text)
        if not key:
            return f"The {field} needs at least one letter or digit."
        meaning = self.taken.get(key)
        if meaning is not None:
            return f"'{text}' already means {meaning.described}; choose another {field}."
        for header, target in self.vendor_aliases.get(key, ()):
            if target != self.code:
                return (
                    f"'{text}' is the column alias '{header}' of a vendor (for {target}); "
                    f"choose another {field}."
                )
        return None


def _code_error(kpi: KPISpec, others: Sequence[KPISpec], clash: _Clashes) -> str | None:
    if not IDENTIFIER.fullmatch(kpi.code):
        return (
            f"{kpi.code!r} is not a KPI code: lowercase letters, digits and underscores, "
            "starting with a letter (e.g. charge_lag_days)."
        )
    if kpi.code in {k.code for k in others}:
        return f"A KPI with code {kpi.code!r} already exists."
    return clash(kpi.code, "code")


def _name_error(kpi: KPISpec, clash: _Clashes) -> str | None:
    if not kpi.name.strip():
        return "The name is required."
    return clash(kpi.name, "name")


def _own_spellings(kpi: KPISpec) -> set[str]:
    """The KPI's own code and name, normalised: spelling them again gives no new meaning."""
    return {normalize(kpi.code), normalize(kpi.name)}


def _alias_error(kpi: KPISpec, clash: _Clashes) -> str | None:
    own = _own_spellings(kpi)
    for alias in kpi.aliases:
        if normalize(alias) not in own and (message := clash(alias, "alias")):
            return message
    return None


def _raw_field_form_problem(raw: str, unit: str) -> str | None:
    """Why a raw field's name or unit is not one a KPI may declare, whatever the catalog holds."""
    if not IDENTIFIER.fullmatch(raw):
        return (
            f"{raw!r} is not a raw field name: lowercase letters, digits and underscores, "
            "starting with a letter."
        )
    if raw in RAW_FIELDS or raw == PERIOD_DAYS:
        return f"{raw!r} is a shipped raw field; a formula may use it without declaring."
    if unit not in RAW_FIELD_UNITS:
        return f"Raw field {raw}: the unit must be one of {list(RAW_FIELD_UNITS)}."
    return None


def _raw_field_problem(
    raw: str,
    unit: str,
    *,
    kpi: KPISpec,
    accepted: Mapping[str, str],
    declared_elsewhere: Mapping[str, tuple[str, str]],
    clash: _Clashes,
) -> str | None:
    """Why one declared raw field (after the ``accepted`` ones before it) cannot be saved."""
    if problem := _raw_field_form_problem(raw, unit):
        return problem
    if raw in accepted:
        return f"Raw field {raw} is declared twice."
    if raw in declared_elsewhere:
        other_unit, code = declared_elsewhere[raw]
        if other_unit == unit:
            return None
        return (
            f"Raw field {raw} is declared by KPI {code} in {other_unit}; declare it in "
            "the same unit."
        )
    if normalize(raw) in _own_spellings(kpi) | {normalize(a) for a in kpi.aliases}:
        return f"Raw field {raw} would read as this KPI's own column."
    return clash(raw, "raw field name")


def _declared_raw_fields(
    kpi: KPISpec, others: Sequence[KPISpec], clash: _Clashes
) -> tuple[dict[str, str], str | None]:
    """The KPI's raw fields accepted (name -> unit) up to the first problem, and that problem."""
    declared_elsewhere: dict[str, tuple[str, str]] = {}  # raw field -> (unit, first KPI)
    for other in others:
        for raw, unit in other.raw_fields:
            declared_elsewhere.setdefault(raw, (unit, other.code))
    accepted: dict[str, str] = {}
    for raw, unit in kpi.raw_fields:
        problem = _raw_field_problem(
            raw,
            unit,
            kpi=kpi,
            accepted=accepted,
            declared_elsewhere=declared_elsewhere,
            clash=clash,
        )
        if problem:
            return accepted, problem
        accepted[raw] = unit
    return accepted, None


def _formula_errors(kpi: KPISpec, raw_units: Mapping[str, str]) -> dict[str, str]:
    errors: dict[str, str] = {}
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
    clash = _Clashes(code=kpi.code, taken=meanings(others), vendor_aliases=vendor_aliases)
    raw_units, raw_problem = _declared_raw_fields(kpi, others, clash)
    found = {
        "code": _code_error(kpi, others, clash),
        "name": _name_error(kpi, clash),
        "aliases": _alias_error(kpi, clash),
        "raw_fields": raw_problem,
    }
    errors = {field: message for field, message in found.items() if message}
    errors.update(_formula_errors(kpi, raw_units))
    return errors
