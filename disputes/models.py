"""A vendor's answer to a scorecard revision (domain.md section 10): acknowledge it, or dispute
one or more of its KPIs; and a vendor's action plan for a remediation item.

A dispute moves open -> answered -> accepted | rejected (``disputes.rules``); each step is a
``DisputeEvent`` with who, when and why. An accepted dispute links the newer revision (made by a
corrected report, an amendment of terms, or both) that resolved it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Acknowledgement(models.Model):
    """A vendor's acknowledgement of one scorecard revision: who, when, an optional note."""

    organization = models.ForeignKey(
        "vendors.Organization", on_delete=models.CASCADE, related_name="acknowledgements"
    )
    scorecard = models.OneToOneField(
        "scorecard.Scorecard", on_delete=models.PROTECT, related_name="acknowledgement"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=300, help_text="Who, as named then.")
    at = models.DateTimeField()
    note = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.scorecard} acknowledged"


class DisputeStatus(models.TextChoices):
    """Where a dispute stands; the words are part of the API."""

    OPEN = "open", "open"
    ANSWERED = "answered", "answered"
    ACCEPTED = "accepted", "accepted"
    REJECTED = "rejected", "rejected"


class Resolution(models.TextChoices):
    """What an accepted dispute led to: the new revision came from it."""

    CORRECTED_REPORT = "corrected_report", "corrected report"
    AMENDMENT = "amendment", "amendment of terms"
    BOTH = "both", "corrected report and amendment"


class Dispute(models.Model):
    """A vendor's dispute of KPIs of one scorecard revision."""

    organization = models.ForeignKey(
        "vendors.Organization", on_delete=models.CASCADE, related_name="disputes"
    )
    vendor = models.ForeignKey("vendors.Vendor", on_delete=models.CASCADE, related_name="disputes")
    scorecard = models.ForeignKey(
        "scorecard.Scorecard", on_delete=models.PROTECT, related_name="disputes"
    )
    period = models.CharField(max_length=7, help_text="The disputed scorecard's period, YYYY-MM.")
    reason = models.TextField()
    status = models.CharField(
        max_length=10, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_by_name = models.CharField(max_length=300)
    opened_at = models.DateTimeField()
    resolution = models.CharField(max_length=20, choices=Resolution.choices, blank=True)
    resolved_by = models.ForeignKey(
        "scorecard.Scorecard",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resolved_disputes",
        help_text="The newer revision an accepted dispute led to.",
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="accepted") | Q(resolved_by__isnull=False),
                name="dispute_accepted_has_revision",
            )
        ]

    def __str__(self) -> str:
        return f"Dispute {self.pk} of {self.scorecard} ({self.status})"


class DisputeItem(models.Model):
    """One disputed KPI: the value on the scorecard, the value the vendor holds, and why."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="items")
    kpi_code = models.CharField(max_length=80)
    kpi_name = models.CharField(max_length=200)
    unit = models.CharField(max_length=20)
    scorecard_value = models.DecimalField(
        max_digits=24, decimal_places=6, null=True, blank=True, help_text="As on the scorecard."
    )
    disputed_value = models.DecimalField(
        max_digits=24,
        decimal_places=6,
        null=True,
        blank=True,
        help_text="The value the vendor holds, in the KPI's unit (blank: the vendor gives none).",
    )
    reason = models.TextField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["dispute", "kpi_code"], name="dispute_item_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kpi_code} disputed"


class DisputeEvent(models.Model):
    """One step of a dispute: who, when and why."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=300, help_text="Who, kept if the user is deleted.")
    at = models.DateTimeField()
    reason = models.TextField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} -> {self.to_status}"


class DisputeAttachment(models.Model):
    """A file the vendor attached to a dispute (stored by the media storage)."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="disputes/%Y/%m/", max_length=500)
    name = models.CharField(max_length=255, help_text="The file's name as uploaded.")
    size_bytes = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class ActionPlan(models.Model):
    """A vendor's action plan for a remediation item: text and an optional file."""

    organization = models.ForeignKey(
        "vendors.Organization", on_delete=models.CASCADE, related_name="action_plans"
    )
    item = models.ForeignKey(
        "scorecard.RemediationItem", on_delete=models.CASCADE, related_name="action_plans"
    )
    text = models.TextField()
    file = models.FileField(upload_to="action-plans/%Y/%m/", max_length=500, blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    size_bytes = models.PositiveBigIntegerField(default=0)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_by_name = models.CharField(max_length=300)
    submitted_at = models.DateTimeField()

    class Meta:
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"Action plan {self.pk} for {self.item_id}"
