"""Celery tasks, one module per subject; importing them here registers them with the worker."""

from . import evaluation, pdf, previews  # noqa: F401
