"""Project wiring and the judgement: evaluation, scoring, remediation, PDF scorecards, jobs."""

from .celery import app as celery_app

__all__ = ("celery_app",)
