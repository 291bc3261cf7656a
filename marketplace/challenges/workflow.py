"""The services of a challenge: post, submit, operator review, funding confirmed by an
operator, proposals, and the decisions that move the bounty (units of work; the challenge
row is locked before its state is read, so two decisions run one after the other)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace.challenges import money, notices
from marketplace.challenges.lifecycle import (
    CHALLENGE,
    OPERATOR,
    POSTER,
    PROPOSAL,
    SYSTEM,
)
from marketplace.core.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from marketplace.core.locking import lock_rows
from marketplace.core.messages import N_, Message
from marketplace.core.money import Amount
from marketplace.core.uow import unit_of_work
from marketplace.models import (
    AlertJob,
    Challenge,
    ChallengeIndicator,
    ChallengeProposal,
    ChallengeScore,
    Listing,
    ProposalQuestion,
    User,
)
from marketplace.models.challenges import ELIGIBILITIES, PAYMENT_MODES, VISIBILITIES
from marketplace.models.types import utcnow
from marketplace.models.vocab import DOMAINS

FIELDS = (
    "title",
    "summary",
    "statement",
    "domain",
    "bounty",
    "currency",
    "payment_mode",
    "allow_split",
    "ip_terms",
    "eligibility",
    "visibility",
    "criteria",
    "proposal_deadline",
    "delivery_days",
)


# Who acts --------------------------------------------------------------------------


def _signed_in(actor: User | None) -> User:
    if actor is None:
        raise Unauthorized(N_("Please sign in."))
    return actor


def roles(actor: User | None, challenge: Challenge) -> list[str]:
    """The actor's roles on the challenge, the posting organization's first."""
    found = []
    if actor is not None and actor.organization_id == challenge.organization_id:
        found.append(POSTER)
    if actor is not None and actor.is_operator:
        found.append(OPERATOR)
    return found


def not_found(challenge_id: int) -> NotFound:
    return NotFound(N_("No challenge %(id)s."), id=challenge_id)


def lock_challenge(session: Session, challenge_id: int) -> Challenge:
    lock_rows(session, Challenge, [challenge_id])
    challenge = session.get(Challenge, challenge_id, populate_existing=True)
    if challenge is None:
        raise not_found(challenge_id)
    return challenge


def _act(session: Session, actor: User | None, challenge_id: int, action: str) -> tuple:
    """Lock the challenge and check that the actor may take ``action`` now; a challenge
    the actor may not see is not found."""
    actor = _signed_in(actor)
    challenge = lock_challenge(session, challenge_id)
    mine = roles(actor, challenge)
    if not mine and challenge.state not in ("open", "evaluating", "awarded", "not_awarded"):
        raise not_found(challenge_id)
    return challenge, CHALLENGE.check(challenge, action, mine)


# Posting -----------------------------------------------------------------------------


def _validate(data: dict[str, Any], indicators: list[dict[str, Any]]) -> None:
    errors: dict[str, Any] = {}
    if not str(data.get("title") or "").strip():
        errors["title"] = N_("Give the challenge a title.")
    if not str(data.get("statement") or "").strip():
        errors["statement"] = N_("Describe the problem to solve.")
    if data.get("domain") not in DOMAINS:
        errors["domain"] = N_("Choose a technology domain.")
    bounty = data.get("bounty")
    if not isinstance(bounty, int) or isinstance(bounty, bool) or bounty <= 0:
        errors["bounty"] = N_("The bounty must be a positive amount.")
    if data.get("payment_mode", "on_award") not in PAYMENT_MODES:
        errors["payment_mode"] = N_("Choose how the bounty is paid.")
    if data.get("eligibility", "verified_org") not in ELIGIBILITIES:
        errors["eligibility"] = N_("Choose who may apply.")
    if data.get("visibility", "public") not in VISIBILITIES:
        errors["visibility"] = N_("Choose the challenge's visibility.")
    deadline = data.get("proposal_deadline")
    if not isinstance(deadline, datetime) or deadline.tzinfo is None:
        errors["proposal_deadline"] = N_("Give the proposal deadline as a date and time.")
    elif deadline <= utcnow():
        errors["proposal_deadline"] = N_("The proposal deadline must be in the future.")
    days = data.get("delivery_days")
    if not isinstance(days, int) or isinstance(days, bool) or days <= 0:
        errors["delivery_days"] = N_("The delivery period must be a positive number of days.")
    if not indicators:
        errors["indicators"] = N_("Name at least one measurable indicator.")
    elif any(
        not str(i.get("name") or "").strip() or not str(i.get("target_value") or "").strip()
        for i in indicators
    ):
        errors["indicators"] = N_("Each indicator needs a name and a target value.")
    if errors:
        raise Invalid(errors)


def _set_indicators(
    session: Session, challenge: Challenge, indicators: list[dict[str, Any]]
) -> None:
    if challenge.indicators:
        challenge.indicators.clear()
        session.flush()  # the old rows go before the new ones take their positions
    for position, item in enumerate(indicators, start=1):
        challenge.indicators.append(
            ChallengeIndicator(
                position=position,
                name=str(item["name"]).strip(),
                target_value=str(item["target_value"]).strip(),
                unit=str(item.get("unit") or "").strip(),
                test_method=str(item.get("test_method") or "").strip(),
            )
        )


@unit_of_work
def post(
    session: Session,
    actor: User | None,
    data: dict[str, Any],
    indicators: list[dict[str, Any]],
    *,
    organization_id: int | None = None,
) -> Challenge:
    """A draft challenge of the actor's organization (an operator may post for an
    organization, e.g. a government programme)."""
    actor = _signed_in(actor)
    org_id = actor.organization_id
    if actor.is_operator and organization_id is not None:
        org_id = organization_id
    if org_id is None or not (actor.has_role("enterprise_member") or actor.is_operator):
        raise Forbidden(N_("Only enterprise members and operators post challenges."))
    _validate(data, indicators)
    challenge = Challenge(
        organization_id=org_id,
        created_by_id=actor.id,
        state="draft",
        **{k: data[k] for k in FIELDS if k in data},
    )
    _set_indicators(session, challenge, indicators)
    session.add(challenge)
    session.flush()
    return challenge


@unit_of_work
def edit(
    session: Session,
    actor: User | None,
    challenge_id: int,
    data: dict[str, Any],
    indicators: list[dict[str, Any]],
) -> Challenge:
    challenge, role = _act(session, actor, challenge_id, "edit")
    merged = {k: getattr(challenge, k) for k in FIELDS} | data
    _validate(merged, indicators)
    for key in FIELDS:
        if key in data:
            setattr(challenge, key, data[key])
    _set_indicators(session, challenge, indicators)
    CHALLENGE.apply(challenge, "edit", role)
    session.flush()
    return challenge


@unit_of_work
def submit(session: Session, actor: User | None, challenge_id: int) -> Challenge:
    challenge, role = _act(session, actor, challenge_id, "submit")
    if challenge.proposal_deadline <= utcnow():
        raise Invalid({"proposal_deadline": N_("The proposal deadline must be in the future.")})
    CHALLENGE.apply(challenge, "submit", role)
    return challenge


@unit_of_work
def review(
    session: Session, actor: User | None, challenge_id: int, action: str, note: str = ""
) -> Challenge:
    """An operator approves (the poster is then asked to fund the bounty) or rejects with
    a note."""
    if action not in ("approve", "reject"):
        raise Invalid({"action": N_("Approve or reject.")})
    challenge, role = _act(session, actor, challenge_id, action)
    if action == "reject" and not note.strip():
        raise Invalid({"note": N_("Say why the challenge is rejected.")})
    challenge.review_note = note.strip()
    CHALLENGE.apply(challenge, action, role)
    session.flush()
    notices.reviewed(session, challenge, action, actor)
    return challenge


@unit_of_work
def confirm_funding(
    session: Session, actor: User | None, challenge_id: int, *, reference: str, amount: int
) -> Challenge:
    """An operator saw the poster's bank transfer arrive: exactly the bounty is posted
    into the challenge's escrow, and the challenge opens for proposals."""
    challenge, role = _act(session, actor, challenge_id, "fund")
    if reference.strip() != money.funding_reference(challenge):
        raise Invalid({"reference": N_("This is not the challenge's funding reference.")})
    if amount != challenge.bounty:
        raise Invalid(
            {
                "amount": Message(
                    N_("The bounty is %(expected)s; %(given)s does not fund it."),
                    expected=Amount(challenge.bounty, challenge.currency),
                    given=Amount(amount, challenge.currency),
                )
            }
        )
    money.fund(session, challenge, reference.strip(), actor)
    challenge.funding_reference = reference.strip()
    challenge.funded_at = challenge.published_at = utcnow()
    CHALLENGE.apply(challenge, "fund", role)
    # 您可能能揭此榜: the worker tells the organizations whose listings could answer it
    # (discovery/alerts.py); written in this commit, so an open challenge always has one.
    session.add(
        AlertJob(
            doc_type="challenges",
            doc_id=challenge.id,
            published_at=challenge.published_at,
            attempts=0,
            last_error="",
        )
    )
    return challenge


def _close_proposals(
    session: Session, challenge: Challenge, reason: str, actor: User | None = None
) -> list[int]:
    """Every undecided proposal is not awarded, with the poster's reason (each team is
    told)."""
    decided = []
    for proposal in session.scalars(
        select(ChallengeProposal)
        .where(
            ChallengeProposal.challenge_id == challenge.id,
            ChallengeProposal.state.in_(("submitted", "shortlisted")),
        )
        .order_by(ChallengeProposal.id)
    ):
        PROPOSAL.apply(proposal, "not_award", SYSTEM)
        proposal.outcome_reason = reason
        proposal.decided_at = utcnow()
        decided.append(proposal)
    notices.outcomes(session, decided, actor)
    return [p.id for p in decided]


@unit_of_work
def withdraw(session: Session, actor: User | None, challenge_id: int, reason: str) -> Challenge:
    """The poster (or an operator) withdraws: whatever the escrow holds is refunded and
    every solver is told why."""
    challenge, role = _act(session, actor, challenge_id, "withdraw")
    if not reason.strip():
        raise Invalid({"reason": N_("Say why the challenge is withdrawn.")})
    money.refund(session, challenge, actor, "withdrawn")
    _close_proposals(session, challenge, reason.strip(), actor)
    challenge.decision_reason = reason.strip()
    challenge.decided_at = utcnow()
    CHALLENGE.apply(challenge, "withdraw", role)
    return challenge


@unit_of_work
def close_proposals(session: Session, actor: User | None, challenge_id: int) -> Challenge:
    """The poster closes proposals once the deadline has passed (the platform does the
    same for every challenge past its deadline: ``close_due``)."""
    challenge, role = _act(session, actor, challenge_id, "close_proposals")
    if challenge.proposal_deadline > utcnow():
        raise Conflict(N_("Proposals close at the deadline."), code="challenge_deadline")
    CHALLENGE.apply(challenge, "close_proposals", role)
    return challenge


@unit_of_work
def close_expired(session: Session, challenge_id: int, now: datetime | None = None) -> bool:
    """The platform closes one challenge's proposals once its deadline has passed (the
    sweep); False when there is nothing to do (closed already, or not yet due)."""
    challenge = lock_challenge(session, challenge_id)
    if challenge.state != "open" or challenge.proposal_deadline > (now or utcnow()):
        return False
    CHALLENGE.apply(challenge, "close_proposals", SYSTEM)
    return True


def close_due(session: Session, now: datetime | None = None) -> list[int]:
    """Close proposals of every open challenge past its deadline, each in its own unit of
    work under its row lock (``flask challenge close``; running it twice changes nothing)."""
    now = now or utcnow()
    due = list(
        session.scalars(
            select(Challenge.id)
            .where(Challenge.state == "open", Challenge.proposal_deadline <= now)
            .order_by(Challenge.proposal_deadline, Challenge.id)
        )
    )
    return [cid for cid in due if close_expired(session, cid, now)]


@unit_of_work
def decline_all(session: Session, actor: User | None, challenge_id: int, reason: str) -> Challenge:
    """Nobody is awarded: the bounty is refunded, every proposal gets the reason."""
    challenge, role = _act(session, actor, challenge_id, "decline_all")
    if not reason.strip():
        raise Invalid({"reason": N_("Say why nobody is awarded.")})
    money.refund(session, challenge, actor, "not_awarded")
    _close_proposals(session, challenge, reason.strip(), actor)
    challenge.decision_reason = reason.strip()
    challenge.decided_at = utcnow()
    CHALLENGE.apply(challenge, "decline_all", role)
    return challenge


# Proposals ---------------------------------------------------------------------------


@unit_of_work
def propose(
    session: Session,
    actor: User | None,
    challenge_id: int,
    *,
    approach: str,
    price: int,
    team: list[dict[str, str]] | None = None,
    plan: list[dict[str, Any]] | None = None,
    listing_ids: list[int] | None = None,
    disclose_win: bool = False,
) -> ChallengeProposal:
    """A verified organization's proposal (one per organization), before the deadline."""
    actor = _signed_in(actor)
    # The challenge row is locked so that a decision cannot pass between the checks.
    challenge = lock_challenge(session, challenge_id)
    if challenge.state not in ("open", "evaluating", "awarded", "not_awarded"):
        raise not_found(challenge_id)
    org = actor.organization
    if challenge.state != "open" or challenge.proposal_deadline <= utcnow():
        raise Conflict(N_("This challenge no longer takes proposals."), code="challenge_closed")
    if org is None or org.id == challenge.organization_id:
        raise Forbidden(N_("Only other organizations may propose."))
    if org.verification_status != "verified":
        raise Forbidden(N_("Only verified organizations may propose."))
    if challenge.eligibility == "research_only" and not org.is_supply_side:
        raise Forbidden(N_("Only universities and research institutes may propose."))
    errors: dict[str, Any] = {}
    if not approach.strip():
        errors["approach"] = N_("Describe your technical approach.")
    if not isinstance(price, int) or isinstance(price, bool) or price <= 0:
        errors["price"] = N_("The price must be a positive amount.")
    elif price > challenge.bounty:
        errors["price"] = Message(
            N_("The price may not exceed the bounty of %(bounty)s."),
            bounty=Amount(challenge.bounty, challenge.currency),
        )
    indicator_ids = {i.id for i in challenge.indicators}
    plan = plan or []
    planned = {int(p.get("indicator_id") or 0) for p in plan if str(p.get("plan") or "").strip()}
    if planned != indicator_ids or len(plan) != len(indicator_ids):
        errors["plan"] = N_("Give a plan for each indicator of the challenge.")
    listing_ids = sorted(set(listing_ids or []))
    if listing_ids:
        own = set(
            session.scalars(
                select(Listing.id).where(
                    Listing.id.in_(listing_ids),
                    Listing.organization_id == org.id,
                    Listing.status == "published",
                )
            )
        )
        if own != set(listing_ids):
            errors["listing_ids"] = N_("Link only your organization's published listings.")
    if errors:
        raise Invalid(errors)
    proposal = ChallengeProposal(
        challenge_id=challenge.id,
        organization_id=org.id,
        submitted_by_id=actor.id,
        approach=approach.strip(),
        price=price,
        team=list(team or []),
        plan=[{"indicator_id": int(p["indicator_id"]), "plan": str(p["plan"])} for p in plan],
        listing_ids=listing_ids,
        disclose_win=bool(disclose_win),
        state="submitted",
    )
    session.add(proposal)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(
            N_("Your organization has already proposed for this challenge."),
            code="proposal_exists",
        ) from None
    return proposal


def proposal_count(session: Session, challenge_id: int) -> int:
    """What other solvers see of the proposals: their number."""
    return session.scalar(
        select(func.count())
        .select_from(ChallengeProposal)
        .where(ChallengeProposal.challenge_id == challenge_id)
    )


def visible_proposals(
    session: Session, actor: User | None, challenge: Challenge
) -> list[ChallengeProposal]:
    """Confidential: the poster and operators see all, a solver only its own."""
    stmt = (
        select(ChallengeProposal)
        .where(ChallengeProposal.challenge_id == challenge.id)
        .order_by(ChallengeProposal.id)
    )
    if actor is None:
        return []
    if not roles(actor, challenge):
        if actor.organization_id is None:
            return []
        stmt = stmt.where(ChallengeProposal.organization_id == actor.organization_id)
    return list(session.scalars(stmt))


def readable_proposal(session: Session, actor: User | None, proposal_id: int) -> ChallengeProposal:
    """A proposal its reader may see (the poster, operators, the proposing organization);
    to anyone else it does not exist (404)."""
    actor = _signed_in(actor)
    proposal = session.get(ChallengeProposal, proposal_id)
    if proposal is not None and proposal in visible_proposals(session, actor, proposal.challenge):
        return proposal
    raise NotFound(N_("No proposal %(id)s."), id=proposal_id)


# Evaluation --------------------------------------------------------------------------


def _proposal_for_poster(
    session: Session, actor: User | None, proposal_id: int
) -> ChallengeProposal:
    """The proposal, its challenge locked; only the posting organization evaluates."""
    actor = _signed_in(actor)
    proposal = session.get(ChallengeProposal, proposal_id)
    if proposal is None:
        raise NotFound(N_("No proposal %(id)s."), id=proposal_id)
    challenge = lock_challenge(session, proposal.challenge_id)
    session.refresh(proposal)
    if POSTER not in roles(actor, challenge):
        if actor.organization_id == proposal.organization_id or actor.is_operator:
            raise Forbidden(N_("Only the posting organization evaluates proposals."))
        raise NotFound(N_("No proposal %(id)s."), id=proposal_id)
    if challenge.state not in ("open", "evaluating"):
        raise CHALLENGE.conflict(challenge, "award")
    return proposal


@unit_of_work
def shortlist(session: Session, actor: User | None, proposal_id: int) -> ChallengeProposal:
    proposal = _proposal_for_poster(session, actor, proposal_id)
    PROPOSAL.apply(proposal, "shortlist", PROPOSAL.check(proposal, "shortlist", [POSTER]))
    return proposal


@unit_of_work
def score(
    session: Session, actor: User | None, proposal_id: int, scores: dict[str, int]
) -> ChallengeProposal:
    """The poster's scores (0–100) on the challenge's published criteria; scoring again
    replaces a criterion's score."""
    proposal = _proposal_for_poster(session, actor, proposal_id)
    criteria = set(proposal.challenge.criteria or [])
    bad = {
        name: N_("Score each published criterion from 0 to 100.")
        for name, value in scores.items()
        if name not in criteria
        or not isinstance(value, int)
        or isinstance(value, bool)
        or not 0 <= value <= 100
    }
    if bad or not scores:
        raise Invalid(bad or {"scores": N_("Score each published criterion from 0 to 100.")})
    existing = {s.criterion: s for s in proposal.scores}
    for name, value in scores.items():
        row = existing.get(name)
        if row is None:
            proposal.scores.append(
                ChallengeScore(criterion=name, score=value, scored_by_id=actor.id)
            )
        else:
            row.score, row.scored_by_id, row.scored_at = value, actor.id, utcnow()
    session.flush()
    return proposal


@unit_of_work
def ask(session: Session, actor: User | None, proposal_id: int, question: str) -> ProposalQuestion:
    """The poster asks the proposing team a question in the proposal's thread."""
    proposal = _proposal_for_poster(session, actor, proposal_id)
    if not question.strip():
        raise Invalid({"question": N_("Write your question.")})
    row = ProposalQuestion(proposal_id=proposal.id, asked_by_id=actor.id, question=question.strip())
    session.add(row)
    session.flush()
    notices.asked(session, row, actor)
    return row


@unit_of_work
def answer(session: Session, actor: User | None, question_id: int, text: str) -> ProposalQuestion:
    """A member of the proposing organization answers (once) while the challenge is
    being evaluated."""
    actor = _signed_in(actor)
    row = session.get(ProposalQuestion, question_id)
    if row is None or actor.organization_id != row.proposal.organization_id:
        raise NotFound(N_("No question %(id)s."), id=question_id)
    challenge = lock_challenge(session, row.proposal.challenge_id)
    session.refresh(row)
    if challenge.state not in ("open", "evaluating"):
        raise CHALLENGE.conflict(challenge, "award")
    if row.answered_at is not None:
        raise Conflict(N_("This question has been answered."), code="question_answered")
    if not text.strip():
        raise Invalid({"answer": N_("Write your answer.")})
    row.answer, row.answered_by_id, row.answered_at = text.strip(), actor.id, utcnow()
    session.flush()
    notices.answered(session, row, actor)
    return row
