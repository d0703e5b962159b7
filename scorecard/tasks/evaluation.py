"""Evaluation tasks (filled by the Scorecards issue)."""
