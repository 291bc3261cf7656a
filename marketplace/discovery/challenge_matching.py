"""Matching a 揭榜挂帅 challenge to the published listings that could answer it: the
same retrieval (BM25 and kNN over the listings index) and calibrated model as a demand's
(matching.py), on facts built from the challenge. No rule or weight of its own.

What the query reads is what anyone may read of the challenge: its title, summary and
domain always; the statement and indicators only when the challenge is public (behind
an NDA they are not shown to everyone, so they must not steer what everyone is shown).
The hard constraints of a demand do not bind a challenge (it names no transfer mode or
budget); the poster's own listings are left out, and a challenge open to universities
and institutes only is matched to theirs only.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.challenges import hall
from marketplace.core import localtime
from marketplace.discovery.matching import MAX_K, Recommendation, match_listings_for_facts
from marketplace.models import Listing, Organization, User
from marketplace.models.challenges import Challenge
from marketplace.models.vocab import TRANSFER_MODES
from search.matching import DemandFacts

__all__ = ["challenge_facts", "related_listings"]


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


def related_listings(
    session: Session, actor: User | None, challenge_id: int, *, k: int = 5
) -> tuple[Challenge, list[Recommendation]]:
    """The challenge (if the actor may see it) and the published listings that best
    match it, each with the model's probability, label and reasons; only matches the
    model labels (at or above its lowest threshold) are shown."""
    challenge = hall.get_challenge(session, actor, challenge_id)
    k = min(max(k, 1), MAX_K)
    matches = [
        m
        for m in match_listings_for_facts(session, challenge_facts(challenge), k=MAX_K)
        if m.label is not None
    ]
    ids = [m.listing_id for m in matches]
    rows = {
        r.id: r
        for r in session.scalars(
            select(Listing).where(Listing.id.in_(ids), Listing.status == "published")
        )
    }
    kinds = dict(
        session.execute(
            select(Organization.id, Organization.kind).where(
                Organization.id.in_({r.organization_id for r in rows.values()})
            )
        ).all()
    )
    out = []
    for m in matches:
        row = rows.get(m.listing_id)
        if row is None or row.organization_id == challenge.organization_id:
            continue
        if challenge.eligibility == "research_only" and kinds.get(row.organization_id) not in (
            "university",
            "institute",
        ):
            continue
        out.append(Recommendation(m, row))
    return challenge, out[:k]
