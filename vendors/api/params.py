"""Query parameters of the API: bounded pagination and strict filters (400 naming the parameter).

Every list takes ``limit`` (1 to ``MAX_LIMIT``) and ``offset``; every filter reads its value
strictly (whole numbers in range, ``YYYY-MM`` periods, ``true``/``false``), and a vendor filter
takes a vendor's id or its slug on every resource alike. Control characters in any query
parameter are refused before a view runs (``scorecard.middleware``).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request

from vendors import selectors
from vendors.models import PERIOD_VALIDATOR

MAX_LIMIT = 500
DEFAULT_LIMIT = 100
MAX_OFFSET = 2**31 - 1  # far past any list; keeps the SQL OFFSET inside every database's integer
MAX_ID = 2**63 - 1  # a BigAutoField id


def bounded_int(name: str, raw: str, low: int, high: int) -> int:
    """A query parameter read as a whole number from ``low`` to ``high``, or a 400 naming it."""
    if (
        not (raw.isascii() and raw.isdigit())
        or len(raw) > len(str(high))
        or not (low <= int(raw) <= high)
    ):
        raise ValidationError({name: [f"{name} must be a whole number from {low} to {high}."]})
    return int(raw)


def strict_bool(name: str, raw: str | None) -> bool | None:
    """``true``/``1`` or ``false``/``0`` (None when absent or empty), else a 400 naming it."""
    if raw in (None, ""):
        return None
    value = STRICT_BOOL.get(raw.lower())
    if value is None:
        raise ValidationError({name: [f"{name} must be true or false."]})
    return value


STRICT_BOOL = {"true": True, "1": True, "false": False, "0": False}
DECIMAL_RE = re.compile(r"^[0-9]{1,12}(\.[0-9]{1,6})?\Z")
DECIMAL_SCHEMA = {"type": "string", "pattern": r"^[0-9]{1,12}(\.[0-9]{1,6})?$"}


def decimal_param(name: str, raw: str | None) -> Decimal | None:
    """A non-negative plain decimal (up to 12 digits, 6 decimals; None when absent), else 400."""
    if raw in (None, ""):
        return None
    if not DECIMAL_RE.match(raw):
        raise ValidationError(
            {name: [f"{name} must be a plain number like 1234.56 (at most 12 digits, 6 decimals)."]}
        )
    return Decimal(raw)


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """``limit`` from 1 to ``MAX_LIMIT`` and ``offset`` from 0: anything else is a 400.

    DRF's own class silently falls back to the default on a bad value and passes any large
    number to the database (which PostgreSQL refuses with a server error).
    """

    default_limit = DEFAULT_LIMIT
    max_limit = MAX_LIMIT

    def get_limit(self, request: Request) -> int:
        raw = request.query_params.get(self.limit_query_param)
        if raw is None:
            return self.default_limit
        return bounded_int(self.limit_query_param, raw, 1, self.max_limit)

    def get_offset(self, request: Request) -> int:
        raw = request.query_params.get(self.offset_query_param)
        if raw is None:
            return 0
        return bounded_int(self.offset_query_param, raw, 0, MAX_OFFSET)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.limit_query_param: {"minimum": 1, "maximum": self.max_limit},
            self.offset_query_param: {"minimum": 0, "maximum": MAX_OFFSET},
        }
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters


# --- Filter fields ------------------------------------------------------------------------------
class StrictBooleanField(forms.Field):
    """``true``/``1`` or ``false``/``0``; anything else is refused (not read as "unknown")."""

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        found = STRICT_BOOL.get(str(value).lower())
        if found is None:
            raise DjangoValidationError("Must be true or false.", code="invalid")
        return found


class PeriodField(forms.CharField):
    """A period written ``YYYY-MM`` (ASCII digits, month 01 to 12)."""

    def to_python(self, value: Any) -> str:
        text: str = super().to_python(value) or ""
        if not text:
            return text
        if not text.isascii():
            raise DjangoValidationError("A period is written YYYY-MM.", code="invalid")
        PERIOD_VALIDATOR(text)
        return text


class StrictBooleanFilter(django_filters.BooleanFilter):
    """A boolean filter that refuses what is neither true nor false."""

    field_class = StrictBooleanField


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-(0[1-9]|1[0-2])$"})
class PeriodFilter(django_filters.CharFilter):
    """A period filter, ``YYYY-MM``."""

    field_class = PeriodField


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """A whole-number filter (ids, versions) within a database integer."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


SLUG_SCHEMA = {"type": "string", "pattern": r"^[-a-zA-Z0-9_]+$", "maxLength": 100}


@extend_schema_field(SLUG_SCHEMA)
class SlugFilter(django_filters.CharFilter):
    """A slug filter (letters, digits, hyphens, underscores)."""

    field_class = forms.SlugField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 100)
        super().__init__(*args, **kwargs)


def vendor_q(request: Request, value: str, prefix: str = "vendor") -> Q:
    """The records of a vendor named by id or slug, among the vendors the user may see.

    A digits-only value that is one vendor's id and another's slug is refused as ambiguous:
    which one was meant cannot be told.
    """
    by_slug = Q(**{f"{prefix}__slug": value})
    if not (value.isascii() and value.isdigit()) or int(value) > MAX_ID:
        return by_slug
    pk = int(value)
    visible = selectors.vendor_list(user=request.user)
    by_id = visible.filter(pk=pk).first()
    other = visible.filter(slug=value).exclude(pk=pk).first()
    if by_id is not None and other is not None:
        raise ValidationError(
            {
                "vendor": [
                    f"vendor {value} is ambiguous: it is the id of {by_id.name} and the slug "
                    f"of {other.name}; pass vendor={by_id.slug} to mean {by_id.name}, or "
                    f"vendor_slug={value} to mean {other.name}."
                ]
            }
        )
    return Q(**{f"{prefix}_id": pk}) | by_slug


@extend_schema_field(SLUG_SCHEMA)
class VendorRefFilter(SlugFilter):
    """A vendor named by its id or its slug (on every resource alike)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "The vendor's id or slug.")
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        if value in (None, ""):
            return qs
        return qs.filter(vendor_q(self.parent.request, value, self.field_name))
