"""App config of the vendor's answer to a scorecard: acknowledgements, disputes, action plans."""

from django.apps import AppConfig


class DisputesConfig(AppConfig):
    """Acknowledgements, disputes of KPIs and remediation action plans (domain.md section 10)."""

    name = "disputes"
    verbose_name = "Disputes"
