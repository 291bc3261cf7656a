"""Files attached to a proposal (揭榜申请): a test report, drawings, a team's papers.

The same checks as deal files (core/uploads.py: size, kind judged from the bytes, an
extension that agrees), stored outside the web root under
``ATTACHMENTS_DIR/proposals/<proposal id>/<random key>``. Confidential like the proposal:
only its team, the poster and operators list or download them (anyone else: 404). The
team adds files while the challenge is open or under evaluation and the proposal is not
decided; after the decision the files are a record and stay as they are.
"""

from __future__ import annotations

import os
from typing import BinaryIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.challenges import workflow
from marketplace.core.errors import Conflict, Forbidden, NotFound
from marketplace.core.messages import N_, Message
from marketplace.core.uow import unit_of_work
from marketplace.core.uploads import DEFAULT_MAX_BYTES, described, store_upload, stored_path
from marketplace.models import ChallengeProposal, ProposalFile, User

__all__ = ["MAX_FILES", "add_file", "list_files", "open_file"]

# Files one proposal may carry.
MAX_FILES = 10


def _folder(storage_dir: str, proposal_id: int) -> str:
    return os.path.join(storage_dir, "proposals", str(proposal_id))


@unit_of_work
def add_file(
    session: Session,
    actor: User | None,
    proposal_id: int,
    stream: BinaryIO,
    filename: str,
    *,
    storage_dir: str,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ProposalFile:
    proposal = workflow.readable_proposal(session, actor, proposal_id)
    if actor.organization_id != proposal.organization_id:
        raise Forbidden(N_("Only the proposing team attaches files to its proposal."))
    # The challenge row is locked: a decision cannot pass between the check and the file,
    # and two uploads cannot both take the last place.
    challenge = workflow.lock_challenge(session, proposal.challenge_id)
    session.refresh(proposal)
    if challenge.state not in ("open", "evaluating") or proposal.state not in (
        "submitted",
        "shortlisted",
    ):
        raise Conflict(
            N_("This proposal is decided: its files can no longer change."),
            code="proposal_decided",
        )
    count = session.scalar(
        select(func.count())
        .select_from(ProposalFile)
        .where(ProposalFile.proposal_id == proposal.id)
    )
    if count >= MAX_FILES:
        raise Conflict(
            Message(N_("A proposal carries at most %(count)s files."), count=MAX_FILES),
            code="too_many_files",
        )
    name, mime, data, key = store_upload(
        stream, filename, _folder(storage_dir, proposal.id), max_bytes=max_bytes
    )
    row = ProposalFile(
        proposal_id=proposal.id, uploaded_by_id=actor.id, **described(name, mime, data, key)
    )
    session.add(row)
    session.flush()
    return row


def list_files(session: Session, actor: User | None, proposal_id: int) -> list[ProposalFile]:
    proposal = workflow.readable_proposal(session, actor, proposal_id)
    return list(
        session.scalars(
            select(ProposalFile)
            .where(ProposalFile.proposal_id == proposal.id)
            .order_by(ProposalFile.id)
        )
    )


def open_file(
    session: Session, actor: User | None, proposal_id: int, file_id: int, *, storage_dir: str
) -> tuple[ProposalFile, str]:
    """The file and the path of its bytes, for those who may read the proposal."""
    proposal: ChallengeProposal = workflow.readable_proposal(session, actor, proposal_id)
    row = session.get(ProposalFile, file_id)
    if row is None or row.proposal_id != proposal.id:
        raise NotFound(
            N_("No file %(file)s in proposal %(proposal)s."), file=file_id, proposal=proposal_id
        )
    return row, stored_path(_folder(storage_dir, proposal.id), row.storage_key)
