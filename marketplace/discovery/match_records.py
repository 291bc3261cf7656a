"""Reading and writing one stored match (the matcher's Match as JSON): what matching.py
reads for pages and the API, and match_store.py writes from the worker."""

from __future__ import annotations

from dataclasses import asdict, fields

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.models import MatchState, StoredMatch
from search.matching import Match

STORED_K = 20  # matches kept per item; a page shows 8, the API up to 50 (computed then)
_TUPLES = {f.name for f in fields(Match) if "tuple" in str(f.type)}


def to_json(m: Match) -> dict:
    return asdict(m)


def from_json(data: dict) -> Match:
    known = {f.name for f in fields(Match)}
    values = {k: (tuple(v) if k in _TUPLES else v) for k, v in data.items() if k in known}
    return Match(**values)


def stored_matches(session: Session, doc_type: str, doc_id: int) -> list[Match] | None:
    """The item's stored matches, best first; None when none were ever computed."""
    computed = session.scalar(
        select(MatchState.computed_at).where(
            MatchState.doc_type == doc_type, MatchState.doc_id == doc_id
        )
    )
    if computed is None:
        return None
    rows = session.scalars(
        select(StoredMatch)
        .where(StoredMatch.doc_type == doc_type, StoredMatch.doc_id == doc_id)
        .order_by(StoredMatch.rank)
    )
    return [from_json(r.explanation) for r in rows]
