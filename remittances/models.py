"""The payers' own record of claims: X12 835 remittance files (005010X221A1), kept as sent, and
what they say per claim (loop 2100, CLP), service line (loop 2110, SVC) and adjustment (CAS).

Money is in integer cents, counts are integers. Stored evidence is never edited: a file is read
once (its sha256 per organization) and its claims are frozen; only the payee mappings (which
vendor bills for which payee) are data the organization edits.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from vendors.models import Organization, Vendor

# CLP02 claim status codes of 005010X221A1: 1, 2, 3 processed as primary, secondary, tertiary;
# 4 denied; 19, 20, 21 processed as primary, secondary, tertiary and forwarded; 22 reversal of a
# previous payment; 23 not our claim, forwarded.
CLAIM_STATUS_CODES = ("1", "2", "3", "4", "19", "20", "21", "22", "23")


class RemittanceFile(models.Model):
    """One received 835 file, with a summary for lists."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="remittance_files"
    )
    file = models.FileField(upload_to="remittances/%Y/%m/")
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size_bytes = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    received_at = models.DateTimeField()
    interchange_control_number = models.CharField(max_length=9, help_text="ISA13.")
    transaction_count = models.PositiveIntegerField(help_text="ST/SE transactions in the file.")
    claim_count = models.PositiveIntegerField(help_text="Claim payments (CLP) in the file.")
    payer_name = models.CharField(
        max_length=255, blank=True, default="", help_text="The first payer (N1*PR) of the file."
    )
    payment_date_min = models.DateField(null=True, blank=True)
    payment_date_max = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "sha256"], name="remittance_file_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.file_name


class PayeeMapping(models.Model):
    """A payee (N1*PE) and the vendor that bills for it, per organization."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="payee_mappings"
    )
    id_qualifier = models.CharField(
        max_length=2, help_text='N1*PE 03: "XX" NPI, "FI" tax id (or another qualifier).'
    )
    payee_id = models.CharField(max_length=80, help_text="N1*PE 04.")
    payee_name = models.CharField(max_length=255, blank=True, default="")
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="payee_mappings")

    class Meta:
        ordering = ["payee_name", "payee_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "id_qualifier", "payee_id"], name="payee_mapping_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payee_name or self.payee_id} ({self.id_qualifier} {self.payee_id})"


class ClaimPayment(models.Model):
    """One claim payment (loop 2100, CLP) of a remittance."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="claim_payments"
    )
    remittance_file = models.ForeignKey(
        RemittanceFile, on_delete=models.CASCADE, related_name="claims"
    )
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="claim_payments")
    period = models.CharField(max_length=7, help_text="YYYY-MM: the month of the payment date.")
    transaction_set_control_number = models.CharField(max_length=9, help_text="ST02.")
    payer_name = models.CharField(max_length=255, blank=True, default="")
    payer_id = models.CharField(max_length=80, blank=True, default="")
    payee_id_qualifier = models.CharField(max_length=2)
    payee_id = models.CharField(max_length=80)
    patient_control_number = models.CharField(max_length=38, help_text="CLP01.")
    status_code = models.CharField(max_length=2, help_text="CLP02.")
    charge_cents = models.BigIntegerField(help_text="CLP03.")
    payment_cents = models.BigIntegerField(help_text="CLP04.")
    patient_responsibility_cents = models.BigIntegerField(default=0, help_text="CLP05.")
    claim_filing_indicator = models.CharField(max_length=2, blank=True, default="")
    payer_claim_control_number = models.CharField(max_length=50, blank=True, default="")
    payment_date = models.DateField(help_text="BPR16.")
    received_date = models.DateField(null=True, blank=True, help_text="DTM*050.")
    service_start = models.DateField(null=True, blank=True)
    service_end = models.DateField(null=True, blank=True)
    remark_codes = models.JSONField(default=list, blank=True)
    sequence = models.PositiveIntegerField(help_text="Position of the claim in its file.")

    class Meta:
        ordering = ["remittance_file_id", "sequence"]
        indexes = [
            models.Index(fields=["organization", "vendor", "period"], name="claim_vendor_period"),
            models.Index(
                fields=["organization", "patient_control_number"], name="claim_patient_control"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient_control_number} ({self.status_code})"


class ServiceLine(models.Model):
    """One service line (loop 2110, SVC) of a claim payment."""

    claim = models.ForeignKey(ClaimPayment, on_delete=models.CASCADE, related_name="lines")
    line_number = models.PositiveIntegerField()
    procedure_code = models.CharField(max_length=80, help_text='SVC01 as written, e.g. "HC:99213".')
    charge_cents = models.BigIntegerField()
    payment_cents = models.BigIntegerField()
    units = models.DecimalField(max_digits=15, decimal_places=3, null=True, blank=True)
    service_date = models.DateField(null=True, blank=True, help_text="DTM*472.")
    remark_codes = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["claim_id", "line_number"]

    def __str__(self) -> str:
        return f"{self.procedure_code} #{self.line_number}"


class ClaimAdjustment(models.Model):
    """One (group, reason, amount) triple of a CAS segment, at claim or service-line level."""

    claim = models.ForeignKey(ClaimPayment, on_delete=models.CASCADE, related_name="adjustments")
    line = models.ForeignKey(
        ServiceLine,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="adjustments",
        help_text="Empty: a claim-level adjustment.",
    )
    group_code = models.CharField(max_length=2)
    carc = models.CharField(max_length=5)
    amount_cents = models.BigIntegerField()
    quantity = models.DecimalField(max_digits=15, decimal_places=3, null=True, blank=True)

    class Meta:
        ordering = ["claim_id", "id"]

    def __str__(self) -> str:
        return f"{self.group_code}-{self.carc} {self.amount_cents}"


class DenialCategory(models.TextChoices):
    """What a denial is about (domain.md section 8)."""

    ELIGIBILITY_REGISTRATION = "eligibility_registration", "Eligibility and registration"
    AUTHORIZATION_REFERRAL = "authorization_referral", "Authorization and referral"
    CODING = "coding", "Coding"
    BILLING_SUBMISSION = "billing_submission", "Billing and submission error"
    DOCUMENTATION_MEDICAL_NECESSITY = (
        "documentation_medical_necessity",
        "Documentation and medical necessity",
    )
    TIMELY_FILING = "timely_filing", "Timely filing"
    DUPLICATE = "duplicate", "Duplicate"
    NON_COVERED = "non_covered", "Non-covered"
    CONTRACTUAL = "contractual", "Contractual"
    PATIENT_RESPONSIBILITY = "patient_responsibility", "Patient responsibility"
    OTHER = "other", "Other"


class ResponsibleParty(models.TextChoices):
    """Who caused a denial."""

    VENDOR = "vendor", "Vendor"
    PRACTICE = "practice", "Practice"
    PAYER = "payer", "Payer"
    PATIENT = "patient", "Patient"


class CarcRule(models.Model):
    """What a claim adjustment reason code (CARC) means for denial responsibility.

    A shipped row (no organization) is the default every organization reads, read-only to them;
    an organization's row for the same (CARC, group code) overrides it. A blank group code
    matches any group.
    """

    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="carc_rules",
        help_text="The organization whose row this is; blank for a shipped default.",
    )
    carc = models.CharField(max_length=5, help_text="Claim adjustment reason code, e.g. 16.")
    group_code = models.CharField(
        max_length=2, blank=True, default="", help_text="CO, PR, OA, PI or CR; blank = any group."
    )
    category = models.CharField(max_length=40, choices=DenialCategory.choices)
    responsible_party = models.CharField(max_length=10, choices=ResponsibleParty.choices)
    description = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["carc", "group_code", "organization_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "carc", "group_code"], name="carc_rule_unique"
            ),
            models.UniqueConstraint(
                fields=["carc", "group_code"],
                condition=models.Q(organization__isnull=True),
                name="carc_rule_shipped_unique",
            ),
        ]

    def __str__(self) -> str:
        group = f"{self.group_code}-" if self.group_code else ""
        return f"{group}{self.carc}: {self.category} ({self.responsible_party})"

    @property
    def is_shipped(self) -> bool:
        """Whether this is a shipped default (read-only to organizations)."""
        return self.organization_id is None
