"""The judgement: scorecard snapshots, remediation items, termination rights, notifications, jobs.

An issued scorecard is a frozen snapshot: the KPI definitions and SLA terms in force are copied
into it, so later edits never change it; a new input makes a new revision.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from vendors.models import PERIOD_VALIDATOR, KPIDefinition
from vendors.policy import PdfVariant


class Status(models.TextChoices):
    """Status of one KPI in one period (domain.md section 3); the words are part of the API."""

    MEETS = "meets", "meets"
    WATCH = "watch", "watch"
    BREACH = "breach", "breach"
    INSUFFICIENT_DATA = "insufficient_data", "insufficient data"
    NOT_REPORTED = "not_reported", "not reported"


# The early warning (domain.md section 11) is a flag beside a meets or watch status, never a status
# of its own: its word, as pages and PDFs show it with the first projected breach month.
AT_RISK_LABEL = "at risk"


def at_risk_text(breach_period: str) -> str:
    """The flag as shown: ``at risk: breach projected 2026-09``."""
    return f"{AT_RISK_LABEL}: breach projected {breach_period}"


REPORT_ON_TIME = "on_time"
REPORT_LATE = "late"
REPORT_MISSING = "missing"


class Scorecard(models.Model):
    """The evaluation of one contract for one period, in one revision."""

    organization = models.ForeignKey(
        "vendors.Organization", on_delete=models.CASCADE, related_name="scorecards"
    )
    contract = models.ForeignKey(
        "vendors.Contract", on_delete=models.PROTECT, related_name="scorecards"
    )
    vendor = models.ForeignKey(
        "vendors.Vendor", on_delete=models.CASCADE, related_name="scorecards"
    )
    period = models.CharField(max_length=7, validators=[PERIOD_VALIDATOR])
    revision = models.PositiveIntegerField()
    is_current = models.BooleanField(default=True)
    report = models.ForeignKey(
        "vendors.Report", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    inputs_sha256 = models.CharField(
        max_length=64, help_text="Hash of every input; the same inputs never make a new revision."
    )
    overall_score = models.DecimalField(
        max_digits=7, decimal_places=2, null=True, blank=True, help_text="0 to 100 points."
    )
    standing = models.CharField(max_length=40, blank=True)
    report_late = models.BooleanField(default=False)
    report_due_date = models.DateField(null=True, blank=True)
    currency = models.CharField(max_length=3, default="USD")
    fee = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    credit = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    effective_rate = models.DecimalField(
        max_digits=9, decimal_places=4, null=True, blank=True, help_text="Fee / payments, percent."
    )
    cost_per_claim = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    snapshot = models.JSONField(
        default=dict, help_text="Frozen contract, pricing, findings and remediation state."
    )
    issued_at = models.DateTimeField()
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-period", "vendor__name", "-revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "period", "revision"], name="scorecard_revision_unique"
            ),
            models.UniqueConstraint(
                fields=["contract", "period"],
                condition=Q(is_current=True),
                name="scorecard_one_current",
            ),
        ]
        indexes = [
            # A vendor's newest current scorecard: one index probe per vendor (dashboard).
            models.Index(
                fields=["vendor", "-period", "-id"],
                condition=Q(is_current=True),
                name="scorecard_vendor_newest",
            ),
            # An organization's current scorecards newest period first (lists, finance, latest).
            models.Index(
                fields=["organization", "-period"],
                condition=Q(is_current=True),
                name="scorecard_org_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vendor} {self.period} r{self.revision}"

    @property
    def report_status(self) -> str:
        """How the period's report came: ``on_time``; ``late`` (received after its due day);
        ``missing`` (none by its due day: the evaluation scored its KPIs not reported)."""
        if self.report_late:
            return REPORT_MISSING if self.report_id is None else REPORT_LATE
        return REPORT_ON_TIME


class ScorecardKPI(models.Model):
    """One KPI row of a scorecard, with its definition and SLA term frozen beside the result."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="kpis")
    kpi_code = models.CharField(max_length=80)
    kpi_name = models.CharField(max_length=200)
    unit = models.CharField(max_length=20)
    direction = models.CharField(max_length=10)
    formula = models.CharField(max_length=500, blank=True)
    source = models.CharField(max_length=200, blank=True)
    benchmark = models.DecimalField(max_digits=12, decimal_places=4)
    warning = models.DecimalField(max_digits=12, decimal_places=4)
    weight = models.DecimalField(max_digits=8, decimal_places=2)
    value = models.DecimalField(max_digits=24, decimal_places=6, null=True, blank=True)
    stated_value = models.DecimalField(max_digits=24, decimal_places=6, null=True, blank=True)
    recomputed_value = models.DecimalField(max_digits=24, decimal_places=6, null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices)
    points = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    previous_value = models.DecimalField(max_digits=24, decimal_places=6, null=True, blank=True)
    change = models.DecimalField(max_digits=24, decimal_places=6, null=True, blank=True)
    trailing_3m_average = models.DecimalField(
        max_digits=24, decimal_places=6, null=True, blank=True
    )
    display_order = models.PositiveIntegerField(default=100)
    # Early warning (domain.md section 11, scorecard/early_warning.py): a flag beside the status.
    at_risk = models.BooleanField(default=False, db_default=False)
    projected_breach_period = models.CharField(max_length=7, blank=True, default="", db_default="")
    projection = models.JSONField(
        null=True, blank=True, help_text="The next three months' projected values, or null."
    )

    class Meta:
        ordering = ["display_order", "kpi_code"]
        verbose_name = "scorecard KPI"
        constraints = [
            models.UniqueConstraint(fields=["scorecard", "kpi_code"], name="scorecard_kpi_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kpi_code}: {self.status}"


class RemediationKind(models.TextChoices):
    """Why an item was opened."""

    BREACH = "breach", "Breach remediation"
    ROOT_CAUSE_REVIEW = "root_cause_review", "Root-cause review (advisory)"


class RemediationStatus(models.TextChoices):
    """Where a remediation item stands."""

    OPEN = "open", "open"
    ACTION_PLAN_RECEIVED = "action_plan_received", "action plan received"
    IN_PROGRESS = "in_progress", "in progress"
    VERIFYING = "verifying", "verifying"
    CLOSED = "closed", "closed"
    ESCALATED = "escalated", "escalated"
    WAIVED = "waived", "waived"


class RemediationItem(models.Model):
    """One contract's remediation of one KPI, from breach to verified cure, escalation or waiver."""

    organization = models.ForeignKey(
        "vendors.Organization", on_delete=models.CASCADE, related_name="remediations"
    )
    contract = models.ForeignKey(
        "vendors.Contract", on_delete=models.PROTECT, related_name="remediations"
    )
    vendor = models.ForeignKey(
        "vendors.Vendor", on_delete=models.CASCADE, related_name="remediations"
    )
    kpi = models.ForeignKey(KPIDefinition, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=30, choices=RemediationKind.choices)
    status = models.CharField(
        max_length=30, choices=RemediationStatus.choices, default=RemediationStatus.OPEN
    )
    opened_period = models.CharField(max_length=7, validators=[PERIOD_VALIDATOR])
    cure_deadline = models.DateField(null=True, blank=True)
    meeting_streak = models.PositiveSmallIntegerField(
        default=0, help_text="Consecutive periods the KPI has met its benchmark since opening."
    )
    verified = models.BooleanField(default=False)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cure_deadline", "id"]
        indexes = [
            # The lists' order (API and pages): oldest opened first.
            models.Index(
                fields=["organization", "opened_period", "id"], name="remediation_org_opened"
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "kpi", "kind"],
                condition=~Q(status__in=["closed", "waived"]),
                name="remediation_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.vendor} {self.kpi.code} {self.kind} ({self.status})"


class RemediationEvent(models.Model):
    """One transition of a remediation item: who, when and why."""

    item = models.ForeignKey(RemediationItem, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=30, blank=True)
    to_status = models.CharField(max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text="Blank when the system moved it (evaluation).",
    )
    actor_name = models.CharField(
        max_length=300,
        blank=True,
        db_default="",  # the evaluation's bulk inserts leave it out: the system moved those
        help_text="Who, as named then; kept if the user is deleted.",
    )
    at = models.DateTimeField()
    reason = models.TextField()
    period = models.CharField(max_length=7, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} -> {self.to_status}"


class TerminationRight(models.Model):
    """A contract's termination right raised by consecutive breaches; an alert, nothing more."""

    organization = models.ForeignKey(
        "vendors.Organization", on_delete=models.CASCADE, related_name="termination_rights"
    )
    contract = models.ForeignKey(
        "vendors.Contract", on_delete=models.PROTECT, related_name="termination_rights"
    )
    vendor = models.ForeignKey(
        "vendors.Vendor", on_delete=models.CASCADE, related_name="termination_rights"
    )
    kpi = models.ForeignKey(KPIDefinition, on_delete=models.PROTECT, related_name="+")
    periods = models.JSONField(help_text="The consecutive breach periods that raised it.")
    raised_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When re-scoring showed the breach run no longer holds (the row is kept).",
    )
    withdrawn_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-raised_at"]
        indexes = [
            # The dashboard's alerts: newest first.
            models.Index(
                fields=["organization", "-raised_at", "-id"], name="termination_org_raised"
            )
        ]
        constraints = [
            # One raised (not withdrawn) right per run; a run that forms again after a
            # withdrawal is raised again as a new row, so the history keeps both.
            models.UniqueConstraint(
                fields=["contract", "kpi", "periods"],
                condition=Q(withdrawn_at__isnull=True),
                name="termination_right_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.vendor} {self.kpi.code}"


class Notification(models.Model):
    """An email sent once: the unique key is the guarantee."""

    organization = models.ForeignKey(
        "vendors.Organization", on_delete=models.CASCADE, related_name="notifications"
    )
    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=40)
    subject = models.CharField(max_length=300)
    recipients = models.JSONField()
    sent_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.key


class InAppNotification(models.Model):
    """A notification shown in the application to one person (the bell and the notifications
    page), written by ``scorecard.services.notifications.notify`` beside the e-mail: one per
    recipient of each sent ``Notification``."""

    organization = models.ForeignKey(
        "vendors.Organization", on_delete=models.CASCADE, related_name="+"
    )
    event = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="in_app")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="in_app_notifications"
    )
    kind = models.CharField(max_length=40)
    text = models.CharField(max_length=300)
    link = models.CharField(max_length=300, blank=True, help_text="A page path, or blank.")
    created = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = "in-app notification"
        constraints = [
            models.UniqueConstraint(fields=["event", "recipient"], name="in_app_once_per_person")
        ]
        indexes = [
            models.Index(fields=["recipient", "organization", "read_at"], name="in_app_unread")
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.text[:60]}"


class NotificationPreference(models.Model):
    """Whether one person receives one kind of notification by e-mail too (no row: yes)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=40)
    by_email = models.BooleanField(default=True)

    class Meta:
        ordering = ["user_id", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {'e-mail' if self.by_email else 'in-app only'}"


class JobStatus(models.TextChoices):
    """Where a background job stands; the words are part of the API."""

    QUEUED = "queued", "queued"
    RUNNING = "running", "running"
    DONE = "done", "done"
    FAILED = "failed", "failed"


class Job(models.Model):
    """A row that owns one piece of background work (a PDF render, or a batch of them)."""

    organization = models.ForeignKey(
        "vendors.Organization", on_delete=models.CASCADE, related_name="jobs"
    )
    kind = models.CharField(max_length=40)
    key = models.CharField(
        max_length=200, unique=True, help_text="What the job produces; asking again reuses it."
    )
    scorecard = models.ForeignKey(
        Scorecard, null=True, blank=True, on_delete=models.CASCADE, related_name="jobs"
    )
    period = models.CharField(max_length=7, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    variant = models.CharField(
        max_length=10,
        choices=PdfVariant.choices,
        default=PdfVariant.FULL,
        help_text="Which PDF: with the money section, or without it (the role policy decides).",
    )
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done, 0 to 100.")
    total = models.PositiveIntegerField(default=1)
    done_count = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=3)
    dispatches = models.PositiveIntegerField(
        default=0,
        help_text="Task messages sent for the job; each carries its number, so a message "
        "superseded by a later one (a lost task queued again) does nothing.",
    )
    error = models.TextField(blank=True)
    file = models.CharField(max_length=500, blank=True, help_text="Path under MEDIA_ROOT.")
    sha256 = models.CharField(max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} ({self.status})"
