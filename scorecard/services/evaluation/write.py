"""Rows to write: everything one run decided, stored in bulk in the run's transaction, then (after
the commit) PDFs of re-issued revisions queued and messages sent."""

from __future__ import annotations

import datetime as dt
import operator
from typing import cast

from django.utils import timezone

from scorecard import remediation as rm
from scorecard.models import (
    Job,
    JobStatus,
    RemediationEvent,
    RemediationItem,
    RemediationKind,
    Scorecard,
    ScorecardKPI,
    TerminationRight,
)
from scorecard.services import jobs, notifications
from vendors import bulk as db
from vendors import selectors as vendor_selectors
from vendors.models import AuditAction, AuditEvent, AuditRecordType

from .common import KPI_COLUMNS, EvaluationSummary, Pending

ITEM_COLUMNS = [
    "organization_id",
    "contract_id",
    "vendor_id",
    "kpi_id",
    "kind",
    "status",
    "opened_period",
    "cure_deadline",
    "meeting_streak",
    "verified",
    "closed_at",
    "created_at",
]
AUDIT_COLUMNS = [
    "organization_id",
    "at",
    "actor_name",
    "record_type",
    "record_id",
    "record_label",
    "action",
    "reason",
    "changes",
]
RIGHT_COLUMNS = [
    "organization_id",
    "contract_id",
    "vendor_id",
    "kpi_id",
    "periods",
    "raised_at",
    "withdrawn_reason",
]


def write(
    pending: Pending,
    *,
    now: dt.datetime,
    summary: EvaluationSummary,
    catalog: vendor_selectors.KPICatalog,
) -> None:
    """Store everything the run decided, in bulk, in one transaction."""
    if pending.superseded or pending.uncovered:
        Scorecard.objects.filter(pk__in=pending.superseded + pending.uncovered).update(
            is_current=False, superseded_at=now
        )
    new_ids = _write_items(pending, now=now)
    _write_events(pending, now=now)
    _write_rights(pending, now=now, catalog=catalog)
    cards = _write_scorecards(pending)
    summary.issued += len(cards)
    summary.scorecard_ids.extend(card["id"] for card in cards)
    summary.opened += len(new_ids)
    summary.escalated += sum(1 for c in pending.events if c.to_status == rm.ESCALATED)
    summary.closed += sum(1 for c in pending.events if c.to_status == rm.CLOSED)
    summary.termination_rights += len(pending.right_ids)
    summary.withdrawn_rights += len(pending.withdrawn)
    summary.withdrawn_scorecards += len(pending.uncovered)


def _write_items(pending: Pending, *, now: dt.datetime) -> list[int]:
    """Insert the items opened, then update the ones moved; the new rows' ids are returned."""
    created_at = timezone.now()  # what auto_now_add would set
    new_ids = db.insert_rows_returning_ids(
        RemediationItem,
        ITEM_COLUMNS,
        [
            (
                org_id,
                contract.pk,
                contract.vendor_id,
                kpi_id,
                item.kind,
                item.status,
                item.opened_period,
                item.cure_deadline,
                item.meeting_streak,
                item.verified,
                now if item.status == rm.CLOSED else None,
                created_at,
            )
            for item, contract, org_id, kpi_id in pending.new_items
        ],
    )
    for (item, *_), pk in zip(pending.new_items, new_ids, strict=True):
        item.ref = pk
    new_items = {id(item) for item, *_ in pending.new_items}
    touched = {id(c.item): c.item for c in pending.events if id(c.item) not in new_items}
    for _, _, remediation_rows in pending.scorecards:
        for item, _state in remediation_rows:
            if item.touched and id(item) not in new_items:
                touched[id(item)] = item
    db.update_rows(
        RemediationItem,
        ["status", "meeting_streak", "verified", "closed_at"],
        [
            (
                item.status,
                item.meeting_streak,
                item.verified,
                now if item.status == rm.CLOSED else None,
                item.ref,
            )
            for item in touched.values()
        ],
    )
    return new_ids


def _write_events(pending: Pending, *, now: dt.datetime) -> None:
    """The items' moves, and the audit trail of the same moves: the system's, with reasons."""
    pending.event_ids = db.insert_rows_returning_ids(
        RemediationEvent,
        ["item_id", "from_status", "to_status", "actor_id", "at", "reason", "period"],
        [
            (c.item.ref, c.from_status, c.to_status, None, now, c.reason, c.period)
            for c in pending.events
        ],
    )
    db.insert_rows(
        AuditEvent,
        AUDIT_COLUMNS,
        [
            (
                pending.owners[id(c.item)][0],
                now,
                "",
                AuditRecordType.REMEDIATION_ITEM.value,
                str(c.item.ref),
                f"{pending.owners[id(c.item)][1]} {c.item.kpi_code} {c.item.kind} ({c.to_status})",
                AuditAction.TRANSITIONED if c.from_status else AuditAction.CREATED,
                c.reason,
                {"status": [c.from_status or None, c.to_status]},
            )
            for c in pending.events
        ],
    )


def _write_rights(
    pending: Pending, *, now: dt.datetime, catalog: vendor_selectors.KPICatalog
) -> None:
    """Raise the new termination rights; withdraw the ones whose run no longer holds."""
    pending.right_ids = db.insert_rows_returning_ids(
        TerminationRight,
        RIGHT_COLUMNS,
        [
            (
                contract.organization_id,
                contract.pk,
                contract.vendor_id,
                catalog.get(contract.organization_id, code).pk,
                periods,
                now,
                "",
            )
            for contract, code, periods in pending.rights
        ],
    )
    for right_id, reason in pending.withdrawn:
        TerminationRight.objects.filter(pk=right_id, withdrawn_at__isnull=True).update(
            withdrawn_at=now, withdrawn_reason=reason
        )


def _write_scorecards(pending: Pending) -> list[dict]:
    """Insert the new revisions with their KPI rows (the items' ids now known)."""
    cards = [card for card, _, _ in pending.scorecards]
    for card, _, remediation_rows in pending.scorecards:
        card["snapshot"]["remediations"] = [
            {"id": item.ref, **state} for item, state in remediation_rows
        ]
    if cards:
        columns = list(cards[0])
        row_of = operator.itemgetter(*columns)
        ids = db.insert_rows_returning_ids(Scorecard, columns, [row_of(c) for c in cards])
        for card, pk in zip(cards, ids, strict=True):
            card["id"] = pk
        db.insert_rows(
            ScorecardKPI,
            ["scorecard_id", *KPI_COLUMNS],
            [(card["id"], *row) for card, rows, _ in pending.scorecards for row in rows],
        )
    return cards


def rerender_pdfs(pending: Pending) -> int:
    """After the commit: queue the PDF of every new revision whose previous revision had one."""
    old_ids = [old for old, _ in pending.replaced]
    rendered: set[int] = set()
    for start in range(0, len(old_ids), 2000):
        rendered.update(
            Job.objects.filter(
                scorecard_id__in=old_ids[start : start + 2000],
                kind=jobs.PDF_KIND,
                status=JobStatus.DONE,
            ).values_list("scorecard_id", flat=True)
        )
    new_ids = [card["id"] for old, card in pending.replaced if old in rendered]
    for scorecard in Scorecard.objects.filter(pk__in=new_ids).order_by("pk"):
        jobs.pdf_job_request(scorecard=scorecard)
    return len(new_ids)


def notify(
    pending: Pending,
    *,
    summary: EvaluationSummary,
    today: dt.date,
    catalog: vendor_selectors.KPICatalog,
) -> None:
    """After the commit: mail breaches, escalations and termination rights, then reminders.

    The messages are written from what the run knows and stored (items, vendors, KPIs), without
    reading the rows back.
    """

    def facts(item: rm.Item, organization_id: int, vendor_name: str) -> notifications.ItemFacts:
        kpi = catalog.get(organization_id, item.kpi_code)
        return notifications.ItemFacts(
            id=cast(int, item.ref),
            organization_id=organization_id,
            vendor_name=vendor_name,
            kpi_name=kpi.name,
            kpi_code=kpi.code,
            opened_period=item.opened_period,
            cure_deadline=item.cure_deadline,
            status=item.status,
        )

    messages = [
        notifications.breach_message(facts(item, org_id, contract.vendor.name))
        for item, contract, org_id, _ in pending.new_items
        if item.kind == RemediationKind.BREACH.value
    ]
    messages += [
        notifications.escalation_message(
            facts(c.item, *pending.owners[id(c.item)]), event_id=event_id, reason=c.reason
        )
        for c, event_id in zip(pending.events, pending.event_ids, strict=True)
        if c.to_status == rm.ESCALATED
    ]
    messages += [
        notifications.termination_right_message(
            organization_id=contract.organization_id,
            right_id=right_id,
            vendor_name=contract.vendor.name,
            kpi_name=catalog.get(contract.organization_id, code).name,
            periods=periods,
        )
        for (contract, code, periods), right_id in zip(
            pending.rights, pending.right_ids, strict=True
        )
    ]
    sent = notifications.messages_send(messages)
    sent += notifications.cure_reminders_send(today=today)
    summary.notifications += sent
