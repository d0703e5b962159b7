"""Every write of acknowledgements, disputes and action plans: who, when, why; AuditEvents.

The vendor side (``Capability.RESPOND``) acknowledges or disputes the current revision of a
scorecard and submits remediation action plans (``acknowledgements``, ``disputes``,
``action_plans``); the practice side (``Capability.ANSWER_DISPUTES``) answers, accepts or
rejects disputes. The steps' rules are the pure ``disputes.rules``.
"""
