"""App config of the vendors' denial work logs (domain.md section 7, document 002)."""

from django.apps import AppConfig


class WorklogsConfig(AppConfig):
    """Denial work logs as received, and the denial-work measures per vendor-month."""

    name = "worklogs"
    label = "worklogs"
    verbose_name = "Denial work logs"
