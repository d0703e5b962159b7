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

from . import selectors, services
from .ingest.headers import RAW_FIELDS
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
# The demo's twelve months end with 2026-10: every month of a contract in force is measured
# once due, so an open-ended contract would show every later month as a missing report.
CONTRACT_END = dt.date(2026, 10, 31)


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
        user = users.filter(username=username).first()
        if user is None:
            user = services.user_create(
                username=username,
                password=DEMO_PASSWORD,
                email=f"{username}@demo-practice.example",
                organization=org,
                role=role,
            )
        # The demo administrator is the organization's, not the installation's: staff (to
        # reach the admin, scoped to the organization), never a superuser. A demo database
        # made before this is brought in line here.
        services.user_admin_access_set(user=user, is_staff=staff, is_superuser=False)
        if selectors.role_in(user, org) != role:
            services.membership_set(user=user, organization=org, role=role)
    for demo in DEMO_VENDORS:
        vendor = Vendor.objects.filter(organization=org, slug=demo.slug).first()
        if vendor is None:
            vendor = services.vendor_create(
                organization=org, name=demo.name, slug=demo.slug, **demo.profile
            )
        if not Contract.objects.filter(vendor=vendor).exists():
            services.contract_create(
                organization=org,
                vendor=vendor,
                start_date=CONTRACT_START,
                end_date=CONTRACT_END,
                **demo.pricing,
            )
    return org


# --- Twelve months of reports ----------------------------------------------------------------
# The story the scorecards rely on (default SLA template):
# - northwind-billing deteriorates: first-pass rate meets Nov 2025 - Apr 2026, watch May and Jun
#   2026, breach Jul - Oct 2026; the denial rate drifts into watch and then breach at the end.
#   Full raw counts, so every rate is recomputed; in 2026-07 the vendor states a first-pass rate
#   far above the one its own counts give (a discrepancy finding).
# - summit-rcm recovers: days in A/R breach Dec 2025 - Feb 2026, watch Mar, meets from Apr 2026.
#   It never reports coding turnaround. Its 2026-06 report arrives late (2026-07-22); 2026-10
#   comes as a messy semicolon file plus a denial breakdown that sums to its denied claims.
# - harbor-coding is steady and excellent, except 2026-03 with only 12 claims submitted
#   (first-pass and denial rate: insufficient data); its 2026-05 report is never sent (missing).
DEMO_PERIODS = [
    f"{y}-{m:02d}" for y, m in [(2025, 11), (2025, 12)] + [(2026, m) for m in range(1, 11)]
]
RAW_ORDER = list(RAW_FIELDS)  # the raw counts, in the order the demo files write them
AGING_SHARES = [Decimal("0.52"), Decimal("0.21"), Decimal("0.12"), Decimal("0.08")]  # rest: >120
D2 = Decimal("0.01")

# period -> (claims, first-pass %, denial %, days in A/R, net collection %, coding h, resub days)
NORTHWIND = {
    "2025-11": (4120, "96.8", "6.4", "35.2", "96.4", "34.0", "1.5"),
    "2025-12": (3980, "96.5", "6.6", "36.0", "96.1", "35.5", "1.6"),
    "2026-01": (4310, "96.9", "6.2", "34.8", "96.6", "33.0", "1.4"),
    "2026-02": (4055, "96.2", "6.9", "35.5", "96.2", "36.0", "1.6"),
    "2026-03": (4420, "95.9", "7.1", "36.4", "95.9", "37.5", "1.7"),
    "2026-04": (4260, "95.6", "7.6", "36.9", "95.7", "38.0", "1.8"),
    "2026-05": (4190, "93.6", "8.6", "37.5", "95.5", "40.0", "1.9"),
    "2026-06": (4335, "92.1", "9.4", "38.2", "95.4", "42.0", "1.9"),
    "2026-07": (4210, "88.6", "10.6", "38.8", "95.3", "43.5", "1.9"),
    "2026-08": (4388, "87.4", "11.5", "39.2", "95.2", "44.0", "1.9"),
    "2026-09": (4297, "86.3", "12.6", "39.4", "95.1", "44.5", "1.9"),
    "2026-10": (4402, "85.2", "13.3", "39.6", "95.1", "45.0", "1.9"),
}
NORTHWIND_DISCREPANCY = {"2026-07": Decimal("91.20")}  # the vendor's stated first-pass rate
SUMMIT = {
    "2025-11": (2280, "96.6", "5.2", "38.5", "96.8", "1.4"),
    "2025-12": (2195, "96.4", "5.4", "58.2", "96.5", "1.5"),
    "2026-01": (2410, "96.2", "5.6", "61.4", "96.0", "1.5"),
    "2026-02": (2302, "96.5", "5.3", "57.1", "96.3", "1.4"),
    "2026-03": (2356, "96.7", "5.1", "48.3", "96.6", "1.3"),
    "2026-04": (2298, "96.9", "5.0", "39.2", "96.9", "1.3"),
    "2026-05": (2344, "97.0", "4.9", "37.4", "97.1", "1.2"),
    "2026-06": (2321, "96.8", "5.0", "36.6", "97.0", "1.2"),
    "2026-07": (2390, "96.9", "4.8", "35.8", "97.2", "1.2"),
    "2026-08": (2367, "97.1", "4.9", "34.9", "97.3", "1.1"),
    "2026-09": (2412, "96.8", "5.0", "34.2", "97.1", "1.2"),
    "2026-10": (2353, "96.4", "5.1", "33.9", "97.2", "1.0"),
}
SUMMIT_LATE = {"2026-06": dt.datetime(2026, 7, 22, 15, 30, tzinfo=dt.UTC)}
# Summit's 2026-10 denial breakdown (the shape of samples/summit-rcm_2026-10_denials.csv): 120.
SUMMIT_DENIALS_2026_10 = [
    ("Medicare", "CO-16", 41, "9180.5"),
    ("Medicare", "CO-197", 12, "6420.0"),
    ("Aetna", "CO-27", 33, "4105.75"),
    ("Aetna", "CO-50", 9, "3990.0"),
    ("BCBS", "CO-18", 18, "2310.4"),
    ("BCBS", "CO-29", 7, "1744.0"),
]
# period -> (claims, first-pass %, denial %, days in A/R, net collection %, coding h, resub days)
HARBOR = {
    p: (1960 + 17 * i, "97.8", "3.9", "31.5", "98.1", "22.0", "0.9")
    for i, p in enumerate(DEMO_PERIODS)
}
HARBOR["2026-03"] = (12, "100", "0", "31.8", "98.0", "23.0", "0.9")
HARBOR_XLSX_PERIOD = "2026-09"
# Harbor never sends its 2026-05 report: the month is measured anyway (every KPI not reported)
# and shown as a missing report.
HARBOR_NOT_SENT = "2026-05"


def _d(value: object) -> Decimal:
    return Decimal(str(value))


def _nth_business_day(period: str, n: int) -> dt.date:
    """The n-th weekday of the month after ``period`` (holidays are ignored in the demo)."""
    year, month = int(period[:4]), int(period[5:7])
    day = dt.date(year + month // 12, month % 12 + 1, 1)
    count = 0
    while True:
        if day.weekday() < 5:
            count += 1
            if count == n:
                return day
        day += dt.timedelta(days=1)


def _received(period: str, vendor_index: int) -> dt.datetime:
    """A realistic arrival: the 5th to 8th business day of the following month, mid-afternoon."""
    n = 5 + (int(period[5:7]) + vendor_index) % 4
    day = _nth_business_day(period, n)
    return dt.datetime(day.year, day.month, day.day, 14, 0, tzinfo=dt.UTC)


def _raw_counts(period: str, claims: int, fpar: str, denial: str, dar: str, ncr: str) -> dict:
    """Raw counts that recompute to the intended rates (to well within a rounding step)."""
    year, month = int(period[:4]), int(period[5:7])
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    days = (following - dt.date(year, month, 1)).days
    gross = (_d(claims) * Decimal("298.40")).quantize(Decimal(1))
    adjustments = (gross * Decimal("0.36")).quantize(Decimal(1))
    payments = ((gross - adjustments) * _d(ncr) / 100).quantize(Decimal(1))
    total_ar = (_d(dar) * gross / days).quantize(Decimal(1))
    buckets = [(total_ar * share).quantize(Decimal(1)) for share in AGING_SHARES]
    buckets.append(total_ar - sum(buckets))
    accepted = (_d(claims) * _d(fpar) / 100).quantize(Decimal(1))
    denied = (_d(claims) * _d(denial) / 100).quantize(Decimal(1))
    values = [claims, accepted, denied, gross, adjustments, payments, total_ar, *buckets]
    return dict(zip(RAW_ORDER, values, strict=True))


def _rate(numerator: object, denominator: object) -> Decimal:
    return (_d(numerator) / _d(denominator) * 100).quantize(D2)


def _northwind_files() -> list[tuple[str, str, bytes, dt.datetime]]:
    header = [
        "period",
        "first_pass_acceptance_rate",
        "denial_rate",
        "days_in_ar",
        "net_collection_rate",
        "coding_turnaround_hours",
        "resubmission_turnaround_business_days",
        *RAW_ORDER,
    ]
    files = []
    for period, (claims, fpar, denial, dar, ncr, coding, resub) in NORTHWIND.items():
        raw = _raw_counts(period, claims, fpar, denial, dar, ncr)
        stated_fpar = NORTHWIND_DISCREPANCY.get(
            period, _rate(raw["claims_accepted_first_pass"], claims)
        )
        row = [
            period,
            stated_fpar,
            _rate(raw["claims_denied"], claims),
            _d(dar),
            _d(ncr),
            coding,
            resub,
            *raw.values(),
        ]
        text = ",".join(header) + "\n" + ",".join(str(v) for v in row) + "\n"
        files.append(
            (f"northwind-billing_{period}.csv", period, text.encode(), _received(period, 0))
        )
    return files


def _summit_files() -> list[tuple[str, str, bytes, dt.datetime]]:
    files = []
    for period, (claims, fpar, denial, dar, ncr, resub) in SUMMIT.items():
        raw = _raw_counts(period, claims, fpar, denial, dar, ncr)
        received = SUMMIT_LATE.get(period, _received(period, 1))
        if period == "2026-10":
            raw["claims_denied"] = Decimal(sum(line[2] for line in SUMMIT_DENIALS_2026_10))
            # The messy shape: BOM, semicolons, CRLF, KPI names for headers, % and $ signs.
            head = [
                "Period",
                "First-pass claim acceptance rate",
                "Denial rate",
                "Days in A/R",
                "Net collection rate",
                "Resubmission turnaround",
                "Claims submitted",
                "Claims accepted first pass",
                "Claims denied",
                "Gross charges",
                "Contractual adjustments",
                "Payments",
                "Total AR",
            ]
            row = [
                "Oct 2026",
                f"{_rate(raw['claims_accepted_first_pass'], claims)}%",
                f"{_rate(raw['claims_denied'], claims)}%",
                dar,
                f"{ncr} %",
                resub,
                f"{claims:,}",
                f"{raw['claims_accepted_first_pass']:,}",
                str(raw["claims_denied"]),
                f"${raw['gross_charges']:,}.00",
                f"${raw['contractual_adjustments']:,}.00",
                f"${raw['payments']:,}.00",
                f"${raw['total_ar']:,}.00",
            ]
            text = "\ufeff" + ";".join(head) + "\r\n" + ";".join(row) + "\r\n"
            files.append((f"summit-rcm_{period}_messy.csv", period, text.encode(), received))
            lines = "".join(
                f"{period},{payer},{reason},{count},{amount}\n"
                for payer, reason, count, amount in SUMMIT_DENIALS_2026_10
            )
            breakdown = "period,payer,denial_reason,claims_denied,amount_denied\n" + lines
            files.append(
                (
                    f"summit-rcm_{period}_denials.csv",
                    period,
                    breakdown.encode(),
                    received + dt.timedelta(minutes=20),
                )
            )
            continue
        # The long shape: period, metric, value; no coding turnaround, ever.
        stated = {
            "first_pass_acceptance_rate": _rate(raw["claims_accepted_first_pass"], claims),
            "denial_rate": _rate(raw["claims_denied"], claims),
            "days_in_ar": dar,
            "net_collection_rate": ncr,
            "resubmission_turnaround_business_days": resub,
        }
        metrics = {
            **stated,
            **{k: raw[k] for k in RAW_ORDER[:7]},
        }
        text = "period,metric,value\n" + "".join(f"{period},{k},{v}\n" for k, v in metrics.items())
        files.append((f"summit-rcm_{period}_long.csv", period, text.encode(), received))
    return files


def _deterministic_xlsx(rows: list[list[object]], percent_cells: set[tuple[int, int]]) -> bytes:
    """An XLSX whose bytes do not depend on the clock (so re-running the demo stores nothing)."""
    import io
    import re
    import zipfile

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Monthly report"
    for row in rows:
        sheet.append(row)
    for r, c in percent_cells:
        sheet.cell(row=r, column=c).number_format = "0.0%"
    fixed = dt.datetime(2026, 10, 1, 0, 0)
    book.properties.created = book.properties.modified = fixed
    raw = io.BytesIO()
    book.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=(2026, 10, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            body = src.read(item.filename)
            if item.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                body = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2026-10-01T00:00:00Z", body
                )
            dst.writestr(info, body)
    return out.getvalue()


def _harbor_files() -> list[tuple[str, str, bytes, dt.datetime]]:
    header = [
        "period",
        "first_pass_acceptance_rate",
        "denial_rate",
        "days_in_ar",
        "net_collection_rate",
        "coding_turnaround_hours",
        "resubmission_turnaround_business_days",
        "claims_submitted",
        "claims_accepted_first_pass",
        "claims_denied",
    ]
    files = []
    for period, (claims, fpar, denial, dar, ncr, coding, resub) in HARBOR.items():
        if period == HARBOR_NOT_SENT:
            continue
        accepted = (_d(claims) * _d(fpar) / 100).quantize(Decimal(1))
        denied = (_d(claims) * _d(denial) / 100).quantize(Decimal(1))
        received = _received(period, 2)
        if period == HARBOR_XLSX_PERIOD:
            # The XLSX shape: title rows above the header, KPI names, first-pass as a percent cell.
            rows: list[list[object]] = [
                ["Harbor Coding Partners - monthly performance report"],
                [f"Period {period}"],
                [],
                [
                    "Period",
                    "First pass rate",
                    "Denial rate",
                    "Days in accounts receivable",
                    "Net collection rate",
                    "Coding turnaround time",
                    "Resubmission turnaround",
                    "Claims submitted",
                    "Claims accepted first pass",
                    "Claims denied",
                ],
                [
                    period,
                    float(_rate(accepted, claims) / 100),
                    float(_rate(denied, claims)),
                    float(dar),
                    float(ncr),
                    float(coding),
                    float(resub),
                    claims,
                    int(accepted),
                    int(denied),
                ],
            ]
            content = _deterministic_xlsx(rows, {(5, 2)})
            files.append((f"harbor-coding_{period}.xlsx", period, content, received))
            continue
        row = [
            period,
            _rate(accepted, claims) if claims >= 30 else fpar,
            _rate(denied, claims) if claims >= 30 else denial,
            dar,
            ncr,
            coding,
            resub,
            claims,
            accepted,
            denied,
        ]
        text = ",".join(header) + "\n" + ",".join(str(v) for v in row) + "\n"
        files.append((f"harbor-coding_{period}.csv", period, text.encode(), received))
    return files


def demo_report_files() -> dict[str, list[tuple[str, str, bytes, dt.datetime]]]:
    """Every demo report file by vendor slug: (file name, period, bytes, received at)."""
    return {
        "northwind-billing": _northwind_files(),
        "summit-rcm": _summit_files(),
        "harbor-coding": _harbor_files(),
    }


def demo_reports(org: Organization) -> int:
    """Load twelve months of reports for the three demo vendors through the ingestion service.

    Files arrive in time order; a second run stores nothing (the files are byte-identical).
    Returns how many report versions were stored by this run.
    """
    from .services.reports import report_ingest

    vendors = {v.slug: v for v in Vendor.objects.filter(organization=org)}
    queue = [
        (received, slug, name, content)
        for slug, files in demo_report_files().items()
        for name, _period, content, received in files
    ]
    stored = 0
    for received, slug, name, content in sorted(queue, key=lambda item: (item[0], item[1])):
        result = report_ingest(
            organization=org,
            vendor=vendors[slug],
            content=content,
            file_name=name,
            received_at=received,
        )
        if not result.duplicate:
            stored += len(result.report_ids)
    return stored
