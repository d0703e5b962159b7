"""The vendor's denial work log for one month, as sent, and what it measures (domain.md section 7).

A log lists the denials the vendor worked or held open in the month: per denial its id, claim,
payer, reason (CARC, optional RARC), amount denied, date received, resolution date, outcome and
amount recovered; and each touch (date, action, minutes). Files come one row per denial (touches
in columns) or one row per touch (denial fields repeated); both read to the same two frames
(``worklogs.frames``).

The file is kept as sent; the rows are not stored one by one. What the pages, the API and the
evaluation read is :class:`DenialWorkMeasures`, computed from the file by one definition
(docs/definitions.md, "Denial work") and recomputed from the kept file when the contract's
milestones or the organization's holidays change. Money is in integer cents.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from vendors.models import PERIOD_VALIDATOR, Organization, Vendor


class LogLayout(models.TextChoices):
    """How the file lays out touches."""

    PER_DENIAL = "per_denial", "One row per denial"
    PER_TOUCH = "per_touch", "One row per touch"


class TouchAction(models.TextChoices):
    """What a touch did (domain.md section 7)."""

    REVIEW = "review", "Review"
    CORRECT_RESUBMIT = "correct_resubmit", "Correct and resubmit"
    APPEAL = "appeal", "Appeal"
    PAYER_CALL = "payer_call", "Payer call"
    WRITE_OFF = "write_off", "Write-off"


class DenialOutcome(models.TextChoices):
    """How a resolved denial ended."""

    OVERTURNED = "overturned", "Overturned"
    PAID_AFTER_RESUBMISSION = "paid_after_resubmission", "Paid after resubmission"
    UPHELD = "upheld", "Upheld"
    WRITTEN_OFF = "written_off", "Written off"


class LogSource(models.TextChoices):
    """How a log reached us."""

    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"
    API = "api", "API"


class DenialLog(models.Model):
    """One version of a vendor's denial work log for one month; a corrected file is a new
    version and the previous one is superseded (as reports are)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="denial_logs"
    )
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="denial_logs")
    period = models.CharField(
        max_length=7, validators=[PERIOD_VALIDATOR], help_text="YYYY-MM: the month the log covers."
    )
    version = models.PositiveIntegerField()
    is_current = models.BooleanField(default=True)
    file = models.FileField(upload_to="denial-logs/%Y/%m/")
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size_bytes = models.PositiveBigIntegerField()
    source = models.CharField(max_length=10, choices=LogSource.choices)
    sheet = models.CharField(
        max_length=255, blank=True, default="", help_text="The XLSX sheet read; empty = the first."
    )
    layout = models.CharField(max_length=20, choices=LogLayout.choices)
    denial_count = models.PositiveIntegerField(help_text="Denials in the file.")
    touch_count = models.PositiveIntegerField(help_text="Touches in the file.")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    received_at = models.DateTimeField(help_text="When the vendor's file reached us.")
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["vendor__name", "-period", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["vendor", "period", "version"], name="denial_log_version_unique"
            ),
            models.UniqueConstraint(
                fields=["vendor", "period"],
                condition=Q(is_current=True),
                name="denial_log_one_current",
            ),
        ]
        indexes = [
            models.Index(
                fields=["organization", "vendor", "-period"], name="denial_log_vendor_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vendor} denial log {self.period} v{self.version}"


class DenialWorkMeasures(models.Model):
    """The denial-work measures of one log (one vendor-month), by one published definition.

    Rates are percents (0 to 100), times in business days of the organization's calendar,
    money in integer cents; a rate without a denominator is empty, never zero.
    """

    log = models.OneToOneField(DenialLog, on_delete=models.CASCADE, related_name="measures")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="denial_work_measures"
    )
    vendor = models.ForeignKey(
        Vendor, on_delete=models.CASCADE, related_name="denial_work_measures"
    )
    period = models.CharField(max_length=7, validators=[PERIOD_VALIDATOR])
    computed_at = models.DateTimeField()
    milestones = models.JSONField(
        default=dict, help_text="The contract milestones (business days) the measures used."
    )

    denials_received = models.PositiveIntegerField(help_text="Denials received in the month.")
    denials_open_at_end = models.PositiveIntegerField(help_text="Open at the month's end.")
    denials_resolved = models.PositiveIntegerField(help_text="Resolved in the month.")
    first_touch_within_sla_rate = models.DecimalField(
        max_digits=9, decimal_places=4, null=True, blank=True
    )
    first_touch_median_days = models.DecimalField(
        max_digits=9, decimal_places=2, null=True, blank=True, help_text="Business days."
    )
    first_touch_p90_days = models.DecimalField(
        max_digits=9, decimal_places=2, null=True, blank=True, help_text="Business days."
    )
    follow_up_within_sla_rate = models.DecimalField(
        max_digits=9, decimal_places=4, null=True, blank=True
    )
    appeals = models.PositiveIntegerField(default=0, help_text="Denials appealed.")
    appeal_within_deadline_rate = models.DecimalField(
        max_digits=9, decimal_places=4, null=True, blank=True
    )
    resolution_within_sla_rate = models.DecimalField(
        max_digits=9, decimal_places=4, null=True, blank=True
    )
    touches_per_denial = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    rework_rate = models.DecimalField(
        max_digits=9, decimal_places=4, null=True, blank=True, help_text="Touched 3+ times."
    )
    minutes_per_denial = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    overdue_count = models.PositiveIntegerField(default=0)
    overdue_value_cents = models.BigIntegerField(default=0, help_text="Value at risk.")
    overdue_top_decile_share = models.DecimalField(
        max_digits=9,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Share of the overdue value in the top decile of denial amounts.",
    )
    denied_cents = models.BigIntegerField(default=0)
    recovered_cents = models.BigIntegerField(default=0)
    recovery_yield_rate = models.DecimalField(max_digits=9, decimal_places=4, null=True, blank=True)
    overturn_rate = models.DecimalField(max_digits=9, decimal_places=4, null=True, blank=True)
    ageing = models.JSONField(
        default=list,
        help_text='Open at month end by reason: [{"reason", "0-30", "31-60", "61-90", "90+", '
        '"value_cents"}].',
    )
    backlog_by_payer = models.JSONField(
        default=list, help_text='[{"payer", "count", "value_cents"}], largest value first.'
    )
    overdue = models.JSONField(
        default=list,
        help_text="The overdue queue, largest value first (bounded): "
        '[{"denial_id", "claim_id", "payer", "reason", "amount_cents", "received_on", '
        '"milestone", "days_overdue"}].',
    )
    claim_match = models.JSONField(
        null=True,
        blank=True,
        help_text="The log's denials beside the 835 denials of the month, matched by claim.",
    )

    class Meta:
        ordering = ["vendor_id", "-period"]
        indexes = [
            models.Index(
                fields=["organization", "vendor", "-period"], name="denial_work_vendor_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vendor} denial work {self.period}"
