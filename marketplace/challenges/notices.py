"""Who is told what of a challenge (notifications/events.notify, inside the unit of
work of the event): the poster of its review and of answers to its questions, a
proposing team of questions and of its proposal's outcome with the reason."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from marketplace.models import Challenge, ChallengeProposal, ProposalQuestion, User
from marketplace.notifications.events import members, notify


def _about(challenge: Challenge) -> dict:
    return {"challenge": challenge.title, "challenge_id": challenge.id}


def reviewed(session: Session, challenge: Challenge, action: str, actor: User | None) -> None:
    notify(
        session,
        "challenge_approved" if action == "approve" else "challenge_rejected",
        members(session, [challenge.organization_id]),
        # One per review: a challenge fixed and rejected again is news again.
        event_key=f"challenge:{challenge.id}:{action}:{challenge.updated_at:%Y%m%d%H%M%S%f}",
        actor_id=actor.id if actor else None,
        payload=_about(challenge) | {"text": challenge.review_note},
    )


def asked(session: Session, question: ProposalQuestion, actor: User | None) -> None:
    proposal = question.proposal
    notify(
        session,
        "challenge_question",
        members(session, [proposal.organization_id]),
        event_key=f"challenge_question:{question.id}",
        actor_id=actor.id if actor else None,
        payload=_about(proposal.challenge) | {"text": question.question},
    )


def answered(session: Session, question: ProposalQuestion, actor: User | None) -> None:
    proposal = question.proposal
    notify(
        session,
        "challenge_answer",
        members(session, [proposal.challenge.organization_id]),
        event_key=f"challenge_answer:{question.id}",
        actor_id=actor.id if actor else None,
        payload=_about(proposal.challenge)
        | {"text": question.answer, "organization": proposal.organization.name},
    )


def outcomes(session: Session, proposals: Iterable[ChallengeProposal], actor: User | None) -> None:
    """Each decided proposal's team reads its outcome and the written reason."""
    for proposal in proposals:
        notify(
            session,
            "challenge_outcome",
            members(session, [proposal.organization_id]),
            event_key=f"challenge_outcome:{proposal.id}",
            actor_id=actor.id if actor else None,
            payload=_about(proposal.challenge)
            | {"outcome": proposal.state, "text": proposal.outcome_reason},
        )
