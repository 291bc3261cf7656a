"""Delivered milestones the buyer leaves unanswered: a reminder three days before the
acceptance period (the terms' ``acceptance_days``, default 14) ends, then acceptance by
the platform, which releases the milestone's amount like the buyer's acceptance would.

Run by ``flask deals sweep`` (cron or a systemd timer, e.g. hourly). Each milestone is
re-read under its deal's lock, so a buyer answering at the same moment wins or loses
cleanly; a deal in dispute is skipped until the dispute is resolved.

The reminder is recorded on the deal's timeline (action ``acceptance_reminder``, shown to
both parties): the notifications module only knows listing and demand alerts so far.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

import payments
from marketplace.core.errors import DomainError
from marketplace.core.locking import lock_rows
from marketplace.core.uow import UnitOfWork
from marketplace.deals import delivery
from marketplace.deals import machine as deals
from marketplace.deals.machine import SYSTEM
from marketplace.models import Deal, Milestone
from marketplace.models.types import utcnow

NOTICE_DAYS = 3


@dataclass
class SweepResult:
    reminded: int = 0
    accepted: int = 0
    skipped: int = 0


def _locked_milestone(session: Session, milestone_id: int) -> tuple[Deal, Milestone] | None:
    deal_id = session.scalar(select(Milestone.deal_id).where(Milestone.id == milestone_id))
    if deal_id is None:
        return None
    lock_rows(session, Deal, [deal_id])
    deal = session.get(Deal, deal_id, populate_existing=True)
    session.expire(deal, ["milestones", "terms_versions", "cancellation_proposals"])
    milestone = session.get(Milestone, milestone_id, populate_existing=True)
    return deal, milestone


def sweep(
    session: Session, *, gateway: payments.Gateway | None = None, now: datetime | None = None
) -> SweepResult:
    """Remind, then accept, every delivered milestone whose time has come (one commit per
    milestone)."""
    gateway = gateway or payments.default_gateway()
    now = now or utcnow()
    result = SweepResult()
    to_remind = session.scalars(
        select(Milestone.id).where(
            Milestone.state == "delivered",
            Milestone.acceptance_notice_at.is_(None),
            Milestone.acceptance_due_at <= now + timedelta(days=NOTICE_DAYS),
            Milestone.acceptance_due_at > now,
        )
    ).all()
    for milestone_id in to_remind:
        with UnitOfWork(session):  # one per milestone: it commits the reminder
            found = _locked_milestone(session, milestone_id)
            if found is None:
                continue
            deal, m = found
            if m.state == "delivered" and m.acceptance_notice_at is None and m.acceptance_due_at:
                m.acceptance_notice_at = now
                deals.record(
                    session,
                    deal,
                    "acceptance_reminder",
                    SYSTEM,
                    None,
                    detail={
                        "milestone_id": m.id,
                        "position": m.position,
                        "acceptance_due_at": m.acceptance_due_at.isoformat(),
                    },
                )
                result.reminded += 1
    overdue = session.scalars(
        select(Milestone.id).where(
            Milestone.state == "delivered", Milestone.acceptance_due_at <= now
        )
    ).all()
    for milestone_id in overdue:
        try:
            with UnitOfWork(session):  # one per milestone; a refusal rolls back only it
                found = _locked_milestone(session, milestone_id)
                if found is None:
                    continue
                deal, m = found
                due = m.acceptance_due_at
                if m.state != "delivered" or due is None or due > now:
                    raise _NotDue
                deals.DEAL.check(deal, "accept_milestone", [SYSTEM])
                delivery.accept_locked(session, deal, m, SYSTEM, None, gateway)
            result.accepted += 1
        except (_NotDue, DomainError):
            result.skipped += 1
    return result


class _NotDue(Exception):
    """Answered or redelivered since it was selected."""
