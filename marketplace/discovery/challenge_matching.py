"""Matching a 揭榜挂帅 challenge to the published listings that could answer it: the
same retrieval (BM25 and kNN over the listings index) and calibrated model as a demand's
(matching.py), on facts built from the challenge. No rule or weight of its own.

What the query reads is what anyone may read of the challenge: its title, summary and
domain always; the statement and indicators only when the challenge is public (behind
an NDA they are not shown to everyone, so they must not steer what everyone is shown).
The hard constraints of a demand do not bind a challenge (it names no transfer mode or
budget); the poster's own listings are left out, and a challenge open to universities
and institutes only is matched to theirs only.

您可能能揭此榜 (``notify_organizations``, run by the worker from the alert job that
``challenges.workflow.confirm_funding`` writes when the challenge opens): the
organizations owning strongly matching listings — "strong" as for the alerts of listings
and demands: the model's highest label — are told once, each active member under their
match-alert switch, best organization first and at most MAX_ORGANIZATIONS. Only
organizations that may propose are told (verified; a university or institute when the
challenge says so), and the notice says only what the hall shows of the challenge.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.challenges import hall
from marketplace.core import localtime
from marketplace.discovery.match_records import STORED_K, stored_matches
from marketplace.discovery.matching import (
    MAX_K,
    Match,
    Recommendation,
    match_listings_for_facts,
)
from marketplace.models import Listing, Organization, User
from marketplace.models.challenges import Challenge
from marketplace.models.types import utcnow
from marketplace.models.vocab import TRANSFER_MODES
from marketplace.notifications import events
from marketplace.notifications import inbox as notifications
from search.matching import DemandFacts

__all__ = ["challenge_facts", "notify_organizations", "related_listings"]

# At most this many organizations are told of one challenge (the best-matching first).
MAX_ORGANIZATIONS = 10
# Listing titles named in one organization's notice.
TITLES_NAMED = 3


def challenge_facts(challenge: Challenge) -> DemandFacts:
    parts = [challenge.summary or ""]
    if challenge.visibility == "public":
        parts.append(challenge.statement or "")
        parts += [
            " ".join(filter(None, (i.name, i.target_value, i.unit, i.test_method)))
            for i in challenge.indicators
        ]
    return DemandFacts(
        id=challenge.id,
        organization_id=challenge.organization_id,
        status="published",
        title=challenge.title or "",
        domain=challenge.domain,
        cooperation_modes=TRANSFER_MODES,
        currency=challenge.currency or "CNY",
        description="\n".join(p for p in parts if p),
        region=challenge.organization.region or "",
        deadline=localtime.local(challenge.proposal_deadline).date(),
    )


@dataclass(frozen=True)
class Candidate:
    match: Match
    listing: Listing
    organization: Organization


def candidates(session: Session, challenge: Challenge, *, fresh: bool = False) -> list[Candidate]:
    """The labelled matches (best first) of published listings of organizations other
    than the poster's, kept to universities and institutes when the challenge is: those
    the worker stored (match_store.py), or computed now when none are stored or
    ``fresh`` is asked. Listings are checked as they are now either way."""
    stored = None if fresh else stored_matches(session, "challenges", challenge.id)
    if stored is None:
        stored = match_listings_for_facts(session, challenge_facts(challenge), k=MAX_K)
    matches = [m for m in stored if m.label is not None]
    rows = {
        r.id: r
        for r in session.scalars(
            select(Listing).where(
                Listing.id.in_([m.listing_id for m in matches]), Listing.status == "published"
            )
        )
    }
    orgs = {
        o.id: o
        for o in session.scalars(
            select(Organization).where(
                Organization.id.in_({r.organization_id for r in rows.values()})
            )
        )
    }
    out = []
    for m in matches:
        row = rows.get(m.listing_id)
        if row is None or row.organization_id == challenge.organization_id:
            continue
        org = orgs[row.organization_id]
        if challenge.eligibility == "research_only" and not org.is_supply_side:
            continue
        out.append(Candidate(m, row, org))
    return out


def related_listings(
    session: Session, actor: User | None, challenge_id: int, *, k: int = 5
) -> tuple[Challenge, list[Recommendation]]:
    """The challenge (if the actor may see it) and the published listings that best
    match it, each with the model's probability, label and reasons; only matches the
    model labels (at or above its lowest threshold) are shown."""
    challenge = hall.get_challenge(session, actor, challenge_id)
    k = min(max(k, 1), MAX_K)
    # The worker stores STORED_K; asked for more (the API allows MAX_K), compute them.
    found = candidates(session, challenge, fresh=k > STORED_K)
    return challenge, [Recommendation(c.match, c.listing) for c in found[:k]]


def is_open(challenge: Challenge | None) -> bool:
    return (
        challenge is not None
        and challenge.state == "open"
        and challenge.proposal_deadline > utcnow()
    )


def notify_organizations(session: Session, challenge: Challenge) -> int:
    """您可能能揭此榜: tell the members of the organizations whose listings strongly match
    the open ``challenge``; each user once per challenge. Returns notifications created."""
    if not is_open(challenge):
        return 0  # withdrawn or closed before the worker came to it: nothing to announce
    by_org: dict[int, list[Candidate]] = {}
    for c in candidates(session, challenge):
        if c.match.strong and c.organization.verification_status == "verified":
            by_org.setdefault(c.organization.id, []).append(c)
    chosen = list(by_org.items())[:MAX_ORGANIZATIONS]  # candidates come best first
    if not chosen:
        return 0
    members = {org_id: sorted(events.members(session, [org_id])) for org_id, _ in chosen}
    prefs = notifications.preferences_of(session, [u for users in members.values() for u in users])
    about = {
        "challenge": challenge.title,
        "challenge_id": challenge.id,
        "bounty": challenge.bounty,
        "currency": challenge.currency,
        "deadline": challenge.proposal_deadline.isoformat(),
    }
    created = 0
    for org_id, found in chosen:
        payload = about | {
            "listings": [c.listing.title for c in found[:TITLES_NAMED]],
            "score": round(float(found[0].match.score), 4),
        }
        for user_id in members[org_id]:
            pref = prefs[user_id]
            if not pref.match_alerts:
                continue
            if notifications.create(
                session,
                user_id=user_id,
                kind="challenge_match",
                event_key=f"challenge_match:{challenge.id}",
                payload=payload,
                email=pref.email,
            ):
                created += 1
    return created
