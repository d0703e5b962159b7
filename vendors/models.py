"""The facts: organizations, roles, vendors, contracts, pricing, KPI catalog, SLA terms, reports.

Percentages are stored as percent (95.0 means 95 %), never as fractions. Money is Decimal in the
contract's currency. A period is a calendar month written ``YYYY-MM``.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

PERIOD_VALIDATOR = RegexValidator(r"^\d{4}-(0[1-9]|1[0-2])$", "A period is written YYYY-MM.")


class Organization(models.Model):
    """A practice, or a group of practices, that outsources coding and billing."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    """What a member may do in an organization."""

    ADMIN = "admin", "Administrator"
    FINANCE = "finance", "Finance"
    COMPLIANCE = "compliance", "Compliance"
    VIEWER = "viewer", "Viewer"
    VENDOR = "vendor", "Vendor user"  # a person of one vendor, bound to it (Membership.vendor)


class Membership(models.Model):
    """A user's role in one organization."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.VIEWER)
    # The vendor a vendor user belongs to: required for the vendor role, forbidden for the others.
    vendor = models.ForeignKey(
        "Vendor", on_delete=models.CASCADE, null=True, blank=True, related_name="vendor_users"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="membership_unique"),
            models.CheckConstraint(
                condition=(models.Q(role="vendor") & models.Q(vendor__isnull=False))
                | (~models.Q(role="vendor") & models.Q(vendor__isnull=True)),
                name="membership_vendor_only_for_vendor_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization} as {self.role}"

    def clean(self) -> None:
        """A vendor user is bound to one vendor of the membership's organization; nobody else is."""
        errors = membership_vendor_errors(
            role=self.role,
            vendor=self.vendor,
            organization_id=self.organization_id,
        )
        if errors:
            raise ValidationError(errors)


def membership_vendor_errors(
    *, role: str, vendor: "Vendor | None", organization_id: int | None
) -> dict[str, str]:
    """Why a membership's vendor does not fit its role (empty when it does)."""
    if role == Role.VENDOR:
        if vendor is None:
            return {"vendor": "A vendor user must be bound to one vendor; choose it."}
        if organization_id is not None and vendor.organization_id != organization_id:
            return {"vendor": f"Vendor {vendor.slug!r} is not a vendor of this organization."}
        return {}
    if vendor is not None:
        return {"vendor": f"Only vendor users are bound to a vendor; the {role} role is not."}
    return {}


class Service(models.TextChoices):
    """What a vendor does for the practice."""

    CODING = "coding", "Coding"
    BILLING = "billing", "Billing"


class DecimalMark(models.TextChoices):
    """How a vendor's report files write decimals (the values of ``vendors.ingest.values``)."""

    UNDECLARED = "", "Not declared (a comma that could be a decimal comma is refused)"
    POINT = ".", "Point: 1,234.5"
    COMMA = ",", "Comma: 1.234,5"


class Vendor(models.Model):
    """An outsourced coding and/or billing company, as one organization knows it."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="vendors")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80)
    services = models.JSONField(default=list, help_text="List of 'coding' and/or 'billing'.")
    specialties = models.JSONField(default=list, blank=True, help_text="Specialties served.")
    certified_coders = models.PositiveIntegerField(
        null=True, blank=True, help_text="Number of certified coders (CPC, CCS) on the account."
    )
    account_manager_name = models.CharField(max_length=200, blank=True)
    account_manager_email = models.EmailField(blank=True)
    account_manager_response_business_days = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Response time the vendor promised, in business days (004: under one).",
    )
    integrations = models.JSONField(
        default=list, blank=True, help_text="EHR / practice-management systems integrated."
    )
    # Compliance (document 004 security checklist)
    baa_signed_on = models.DateField(null=True, blank=True, help_text="BAA signature date.")
    baa_expires_on = models.DateField(null=True, blank=True, help_text="BAA expiry date.")
    encryption_at_rest = models.BooleanField(default=False)
    encryption_in_transit = models.BooleanField(default=False)
    mfa_enforced = models.BooleanField(default=False, help_text="Multi-factor authentication.")
    breach_notification_protocol = models.BooleanField(default=False)
    breach_notification_hours = models.PositiveIntegerField(
        null=True, blank=True, help_text="Hours within which the vendor notifies a breach."
    )
    audit_log_retention_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="How long access audit logs are kept, in days."
    )
    last_security_risk_assessment_on = models.DateField(null=True, blank=True)
    data_return_on_termination = models.BooleanField(
        default=False, help_text="Data returned or deleted on termination."
    )
    # Part of the vendor's column mapping (with its column aliases): how its files write numbers.
    decimal_mark = models.CharField(
        max_length=1,
        choices=DecimalMark.choices,
        default=DecimalMark.UNDECLARED,
        blank=True,
        help_text="Decimal mark of the vendor's report files; an upload may declare its own.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="vendor_slug_unique")
        ]
        # Every list by vendor name (pages, API vendors; reports and contracts by vendor name
        # walk it and each vendor's own index).
        indexes = [models.Index(fields=["organization", "name", "id"], name="vendor_org_name")]

    def __str__(self) -> str:
        return self.name


class Direction(models.TextChoices):
    """Which way a KPI is better."""

    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"


class Unit(models.TextChoices):
    """Unit of a KPI value."""

    PERCENT = "percent", "percent"
    DAYS = "days", "days"
    HOURS = "hours", "hours"
    BUSINESS_DAYS = "business_days", "business days"
    COUNT = "count", "count"
    CURRENCY = "currency", "currency"


class KPIDefinition(models.Model):
    """A KPI catalog entry; data, not code: administrators add KPIs without a code change.

    A shipped KPI (no organization) is shared by every organization and read-only to them; a
    KPI an administrator adds belongs to that organization alone.
    """

    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="kpis",
        help_text="The organization that added the KPI; blank for a shipped KPI.",
    )
    code = models.SlugField(
        max_length=80, help_text="Unique per organization, and never a shipped KPI's code."
    )
    name = models.CharField(max_length=200)
    unit = models.CharField(max_length=20, choices=Unit.choices)
    direction = models.CharField(max_length=10, choices=Direction.choices)
    formula = models.CharField(
        max_length=500,
        blank=True,
        help_text="Expression over raw fields (and period_days) that recomputes the KPI; "
        "blank when the KPI is only reported.",
    )
    volume_field = models.CharField(
        max_length=80,
        blank=True,
        help_text="Raw field whose value is checked against the SLA term's minimum volume.",
    )
    source = models.CharField(max_length=200, help_text="Where the number comes from.")
    description = models.TextField(blank=True)
    aliases = models.JSONField(default=list, blank=True, help_text="Other header spellings.")
    raw_fields = models.JSONField(
        default=list,
        blank=True,
        help_text='Raw fields a custom formula reads beyond the shipped ones: [{"name", "unit"}].',
    )
    default_benchmark = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    default_warning = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    default_weight = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    in_default_template = models.BooleanField(default=False)
    display_order = models.PositiveIntegerField(default=100)

    class Meta:
        ordering = ["display_order", "code"]
        verbose_name = "KPI definition"
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(organization__isnull=True),
                name="kpi_shipped_code_unique",
            ),
            models.UniqueConstraint(
                fields=["organization", "code"], name="kpi_code_unique_per_organization"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_shipped(self) -> bool:
        """Whether the KPI is one of the shipped ones, shared by every organization."""
        return self.organization_id is None

    def raw_field_pairs(self) -> tuple[tuple[str, str], ...]:
        """The declared raw fields as (name, unit) pairs."""
        return tuple((f["name"], f["unit"]) for f in self.raw_fields or ())


class PricingModel(models.TextChoices):
    """How the vendor is paid (document 004)."""

    PERCENT_OF_COLLECTIONS = "percent_of_collections", "Percent of collections"
    PER_CLAIM = "per_claim", "Per claim"
    FLAT_MONTHLY = "flat_monthly", "Flat monthly fee"


def default_standing_bands() -> dict[str, str]:
    """Lower edges of the standing bands, in score points (domain.md section 3)."""
    return {"excellent": "90", "good": "75", "needs_improvement": "50"}


class Contract(models.Model):
    """One version of a vendor's agreement with an organization; an amendment is a new version.

    A vendor may hold any number of agreements over time (never two in force on one day):
    ``agreement`` numbers them 1, 2, ... per vendor, and each one's versions count from 1.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="contracts"
    )
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="contracts")
    agreement = models.PositiveIntegerField(
        default=1, help_text="The vendor's agreement number; its amendments share it."
    )
    version = models.PositiveIntegerField(default=1, help_text="Version within the agreement.")
    amends = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="amended_by"
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True, help_text="Inclusive; blank = open-ended.")
    currency = models.CharField(max_length=3, default="USD")
    pricing_model = models.CharField(max_length=30, choices=PricingModel.choices)
    percent_of_collections = models.DecimalField(
        max_digits=6, decimal_places=3, null=True, blank=True, help_text="Percent of payments."
    )
    fee_per_claim = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, help_text="Fee per claim."
    )
    flat_monthly_fee = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, help_text="Fee per month."
    )
    monthly_minimum = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    monthly_maximum = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    report_due_business_day = models.PositiveSmallIntegerField(
        default=10, help_text="Business day of the following month by which the report is due."
    )
    late_report_counts_as_breach = models.BooleanField(
        default=False, help_text="Missing KPIs of a late report count as breach."
    )
    evaluate_with_evidence = models.BooleanField(
        default=False,
        help_text="When the payers' remittances (835) cover the month, their value of a KPI "
        "(e.g. denial rate) is the one evaluated.",
    )
    # Denial-work milestones (domain.md section 7), in business days of the organization's
    # calendar; the resolution milestone is ours (section 7 gives none).
    denial_first_touch_business_days = models.PositiveSmallIntegerField(
        default=1,
        validators=[MaxValueValidator(260)],
        help_text="Business days from a denial's receipt to its first touch.",
    )
    denial_follow_up_business_days = models.PositiveSmallIntegerField(
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(260)],
        help_text="Most business days between touches of an open denial.",
    )
    denial_appeal_business_days = models.PositiveSmallIntegerField(
        default=20,
        validators=[MaxValueValidator(260)],
        help_text="Business days from a denial's receipt by which an appeal is submitted.",
    )
    denial_resolution_business_days = models.PositiveSmallIntegerField(
        default=30,
        validators=[MaxValueValidator(520)],
        help_text="Business days from a denial's receipt to its resolution.",
    )
    at_risk_percent = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("10"), help_text="Percent of fee at risk."
    )
    cure_period_days = models.PositiveIntegerField(default=60, help_text="Calendar days.")
    verification_periods = models.PositiveSmallIntegerField(default=2)
    termination_consecutive_breaches = models.PositiveSmallIntegerField(default=3)
    standing_bands = models.JSONField(default=default_standing_bands)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["vendor__name", "-start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["vendor", "agreement", "version"], name="contract_agreement_version_unique"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="contract_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vendor} contract {self.agreement} v{self.version} from {self.start_date}"


class SLATerm(models.Model):
    """One KPI in one contract version: benchmark target, warning threshold, weight, rules."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="sla_terms")
    kpi = models.ForeignKey(KPIDefinition, on_delete=models.PROTECT, related_name="sla_terms")
    benchmark = models.DecimalField(max_digits=12, decimal_places=4)
    warning = models.DecimalField(max_digits=12, decimal_places=4)
    weight = models.DecimalField(max_digits=8, decimal_places=2)
    minimum_volume = models.PositiveIntegerField(
        default=30, help_text="Below this many units of the KPI's volume field: insufficient data."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["kpi__display_order", "kpi__code"]
        verbose_name = "SLA term"
        constraints = [
            models.UniqueConstraint(fields=["contract", "kpi"], name="sla_term_unique"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="sla_term_weight_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.kpi.code}: {self.benchmark} / {self.warning}"


class Scale(models.TextChoices):
    """How a vendor writes a percent column; undeclared, a column of values 0 to 1 is refused
    (0.952 may mean 95.2 % or 0.952 %), never guessed."""

    UNDECLARED = "", "Not declared"
    PERCENT = "percent", "Percent (95.2)"
    FRACTION = "fraction", "Fraction (0.952)"


class ColumnAlias(models.Model):
    """A vendor's own header for a KPI or raw field, with the column's declared scale."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="column_aliases")
    header = models.CharField(max_length=200, help_text="The header as the vendor writes it.")
    normalized = models.CharField(max_length=200, editable=False)
    target = models.CharField(max_length=80, help_text="KPI code or raw field name.")
    scale = models.CharField(
        max_length=10, choices=Scale.choices, default=Scale.UNDECLARED, blank=True
    )

    class Meta:
        verbose_name_plural = "column aliases"
        constraints = [
            models.UniqueConstraint(fields=["vendor", "normalized"], name="column_alias_unique")
        ]

    def __str__(self) -> str:
        return f"{self.header} -> {self.target}"


class ReportSource(models.TextChoices):
    """How a report reached us."""

    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"
    API = "api", "API"


class ReportUpload(models.Model):
    """One received file (which may cover several vendors and periods), kept as sent.

    The same bytes are received once per scope: vendor (or multi-vendor), period and sheet; for
    another vendor or period they are that vendor's or period's report.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="report_uploads"
    )
    file = models.FileField(upload_to="reports/%Y/%m/")
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    vendor = models.ForeignKey(
        "Vendor",
        null=True,
        blank=True,
        # SET_NULL, not CASCADE: a vendor's reports go with it, but its uploads (protected by
        # those reports while they exist) stay as the organization's record of files received.
        on_delete=models.SET_NULL,
        related_name="report_uploads",
        help_text="The vendor the upload was for; empty for a multi-vendor upload.",
    )
    multi_vendor = models.BooleanField(
        default=False, help_text="The file's vendor column named each row's vendor."
    )
    period = models.CharField(
        max_length=7,
        blank=True,
        default="",
        help_text="The one period (YYYY-MM) the file covers; empty when it covers several.",
    )
    sheet = models.CharField(
        max_length=255, blank=True, default="", help_text="The XLSX sheet read; empty = the first."
    )
    size_bytes = models.PositiveBigIntegerField()
    source = models.CharField(max_length=10, choices=ReportSource.choices)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    received_at = models.DateTimeField()

    class Meta:
        constraints = [
            # Two partial indexes: NULLs are distinct in a unique index on every database, and a
            # deleted vendor's uploads (vendor set to NULL) must not collide with each other.
            models.UniqueConstraint(
                fields=["organization", "sha256", "vendor", "period", "sheet"],
                condition=Q(vendor__isnull=False),
                name="upload_scope_unique",
            ),
            models.UniqueConstraint(
                fields=["organization", "sha256", "period", "sheet"],
                condition=Q(multi_vendor=True),
                name="upload_multi_vendor_scope_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.file_name


class Report(models.Model):
    """One vendor's monthly KPI report for one period, in one version."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="reports")
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="reports")
    period = models.CharField(max_length=7, validators=[PERIOD_VALIDATOR])
    version = models.PositiveIntegerField()
    is_current = models.BooleanField(default=True)
    upload = models.ForeignKey(ReportUpload, on_delete=models.PROTECT, related_name="reports")
    received_at = models.DateTimeField(help_text="When the vendor's file reached us.")
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["vendor__name", "-period", "-version"]
        # The reports list (vendor name, newest period and version first) walks vendors by name
        # (vendor_org_name) and each vendor's reports backwards through report_version_unique.
        constraints = [
            models.UniqueConstraint(
                fields=["vendor", "period", "version"], name="report_version_unique"
            ),
            models.UniqueConstraint(
                fields=["vendor", "period"],
                condition=Q(is_current=True),
                name="report_one_current",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vendor} {self.period} v{self.version}"


class ReportValue(models.Model):
    """One KPI or raw field in a report: the vendor's stated value and our recomputed one."""

    # No index of their own: (report, field) is unique, so its index serves lookups by report,
    # and values are never looked up by KPI (deleting a KPI that has values is refused either
    # way). Each index costs every one of a network file's ~190,000 inserts.
    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="values", db_index=False
    )
    field = models.CharField(max_length=80, help_text="KPI code or raw field name.")
    kpi = models.ForeignKey(
        KPIDefinition,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    stated_value = models.DecimalField(max_digits=24, decimal_places=6, null=True, blank=True)
    recomputed_value = models.DecimalField(max_digits=24, decimal_places=6, null=True, blank=True)
    value = models.DecimalField(
        max_digits=24,
        decimal_places=6,
        null=True,
        blank=True,
        help_text="The value evaluated: recomputed when raw counts allow, else stated.",
    )
    insufficient_data = models.BooleanField(
        default=False, help_text="Zero or too small a denominator: no rate is given."
    )
    volume = models.DecimalField(
        max_digits=24, decimal_places=6, null=True, blank=True, help_text="Denominator volume."
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["report", "field"], name="report_value_unique")
        ]

    def __str__(self) -> str:
        return f"{self.field}={self.value}"


class ReportFinding(models.Model):
    """Something in a report that does not add up; stored with it, not a rejection."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="findings")
    code = models.CharField(max_length=40, help_text="e.g. discrepancy, aging_sum, breakdown_sum.")
    field = models.CharField(max_length=80, blank=True)
    message = models.TextField()
    stated = models.DecimalField(max_digits=24, decimal_places=6, null=True, blank=True)
    expected = models.DecimalField(max_digits=24, decimal_places=6, null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class DenialBreakdown(models.Model):
    """Denied claims of a report period by payer and denial reason (category or CARC code)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="denials")
    payer = models.CharField(max_length=200)
    denial_reason = models.CharField(max_length=200)
    claims_denied = models.PositiveIntegerField()
    amount_denied = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.payer} {self.denial_reason}: {self.claims_denied}"


class Holiday(models.Model):
    """A day that is not a business day for one organization (report due dates, batch day)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="holidays"
    )
    date = models.DateField()
    name = models.CharField(max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "date"], name="holiday_unique")
        ]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.name}".strip()


class PendingRescore(models.Model):
    """A vendor whose scorecards must be re-issued because an input changed: written in the
    same transaction as the change, deleted by the re-scoring task once it has re-evaluated."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="pending_rescores"
    )
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="pending_rescores")
    from_period = models.CharField(
        max_length=7, validators=[PERIOD_VALIDATOR], help_text="First period the change affects."
    )
    reason = models.CharField(max_length=200, help_text="What changed, e.g. 'contract amended'.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["vendor"], name="pending_rescore_vendor")]

    def __str__(self) -> str:
        return f"{self.vendor_id} from {self.from_period}: {self.reason}"


class AuditAction(models.TextChoices):
    """What a change did to its record."""

    CREATED = "created", "created"
    UPDATED = "updated", "updated"
    DELETED = "deleted", "deleted"
    TRANSITIONED = "transitioned", "transitioned"


class AuditRecordType(models.TextChoices):
    """The kinds of record the audit trail follows (the ``record`` filter's first part)."""

    ORGANIZATION = "organization", "organization"
    USER = "user", "user"
    MEMBERSHIP = "membership", "membership"
    VENDOR = "vendor", "vendor"
    KPI = "kpi", "KPI definition"
    CONTRACT = "contract", "contract"
    SLA_TERM = "sla_term", "SLA term"
    COLUMN_ALIAS = "column_alias", "column alias"
    REMEDIATION_ITEM = "remediation_item", "remediation item"
    REMITTANCE_FILE = "remittance_file", "remittance file"
    PAYEE_MAPPING = "payee_mapping", "payee mapping"
    CARC_RULE = "carc_rule", "CARC rule"
    ACKNOWLEDGEMENT = "acknowledgement", "acknowledgement"
    DISPUTE = "dispute", "dispute"
    ACTION_PLAN = "action_plan", "action plan"
    VENDOR_INVITATION = "vendor_invitation", "vendor invitation"
    DENIAL_LOG = "denial_log", "denial work log"


class AuditEvent(models.Model):
    """One change to one record: who, when, why, and what (field: [before, after]).

    Written by the services, bulk writes included, never edited. The actor's name is kept beside
    the link to the user, so the trail still says who after the user is deleted.
    """

    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="audit_events",
        help_text="Blank for a change of shared data (a shipped KPI).",
    )
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Blank when the system made the change, or the user was deleted.",
    )
    actor_name = models.CharField(
        max_length=300,
        blank=True,
        default="",
        help_text="Who, as named when acting; blank for the system.",
    )
    record_type = models.CharField(max_length=40, choices=AuditRecordType.choices)
    record_id = models.CharField(max_length=40)
    record_label = models.CharField(max_length=300, help_text="The record, as named then.")
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    reason = models.TextField(blank=True)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["organization", "-at", "-id"], name="audit_org_at"),
            models.Index(
                fields=["organization", "record_type", "record_id"], name="audit_org_record"
            ),
        ]

    def __str__(self) -> str:
        who = self.actor_name or "system"
        return f"{self.at:%Y-%m-%d %H:%M} {who} {self.action} {self.record_label}"


class VendorInvitation(models.Model):
    """An administrator's invitation of a vendor user: its link carries a signed, expiring token
    (``VENDOR_INVITATION_MAX_AGE_HOURS``) naming this row; it is used once."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="vendor_invitations"
    )
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    def __str__(self) -> str:
        return f"{self.email} for {self.vendor}"
