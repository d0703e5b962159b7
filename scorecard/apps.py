"""App config of the judgement side: scorecards, remediation, jobs."""

from django.apps import AppConfig


class ScorecardConfig(AppConfig):
    """Scorecards, remediation and PDF jobs."""

    name = "scorecard"
    verbose_name = "Scorecards"
