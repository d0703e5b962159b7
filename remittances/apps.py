"""App config of the payers' evidence: X12 835 remittance files and their claim payments."""

from django.apps import AppConfig


class RemittancesConfig(AppConfig):
    """Remittance files, claim payments, service lines, adjustments and payee mappings."""

    name = "remittances"
    label = "remittances"
    verbose_name = "Payer remittances (X12 835)"
