"""Every write on the judgement side, split by subject (evaluation, remediation, jobs, ...)."""
