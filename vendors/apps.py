"""App config of the facts: organizations, vendors, contracts, KPI catalog, reports."""

from django.apps import AppConfig


class VendorsConfig(AppConfig):
    """Organizations, vendors, contracts, SLA terms, the KPI catalog and reports."""

    name = "vendors"
    verbose_name = "Vendors and contracts"
