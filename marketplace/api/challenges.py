"""揭榜挂帅 challenges API: the hall, posting and review, the bounty's funding by bank
transfer (confirmed by an operator), proposals (confidential: the poster, operators and
the proposing organization read one; others only the count), evaluation (shortlist,
scores, questions), the award and the reasons every solver reads."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask_smorest import Blueprint

from marketplace.api.deal_files import DOWNLOAD_RESPONSE, AttachmentUpload
from marketplace.api.spec import login_required
from marketplace.challenges import award, hall, workflow
from marketplace.challenges import files as proposal_files
from marketplace.core.errors import Invalid
from marketplace.core.messages import N_
from marketplace.core.payments import gateway_for
from marketplace.core.uploads import DEFAULT_MAX_BYTES
from marketplace.extensions import db
from marketplace.models import Challenge
from marketplace.schemas.challenges import (
    AnswerIn,
    AwardIn,
    ChallengeCardOut,
    ChallengeEditIn,
    ChallengeFundingOut,
    ChallengeIn,
    ChallengeOut,
    ChallengeReviewIn,
    FundingConfirmIn,
    HallArgs,
    ProposalFileOut,
    ProposalIn,
    ProposalListOut,
    ProposalOut,
    QuestionIn,
    QuestionOut,
    ReasonIn,
    ReviewQueueOut,
    ScoresIn,
)
from marketplace.schemas.common import ApiError
from marketplace.web.auth import current_actor
from marketplace.web.downloads import proposal_file_download, storage_dir
from marketplace.web.second_factor import require_step_up


def card_out(session, challenge: Challenge) -> dict[str, Any]:
    c = hall.card(session, challenge)
    return {
        **{k: getattr(challenge, k) for k in _CARD},
        "organization": challenge.organization.name,
        "funded": c.funded,
        "proposal_count": c.proposals,
        "winners": c.winners,
    }


_CARD = ("id", "title", "summary", "domain", "bounty", "currency", "state", "proposal_deadline")
_DETAIL = (
    "payment_mode",
    "allow_split",
    "eligibility",
    "visibility",
    "criteria",
    "delivery_days",
    "decision_reason",
)


def challenge_out(session, actor, challenge: Challenge) -> dict[str, Any]:
    mine = workflow.roles(actor, challenge)
    visible = hall.may_read_details(session, actor, challenge)
    return card_out(session, challenge) | {
        **{k: getattr(challenge, k) for k in _DETAIL},
        "review_note": challenge.review_note if mine else None,
        "details_visible": visible,
        "statement": challenge.statement if visible else None,
        "ip_terms": challenge.ip_terms if visible else None,
        "indicators": list(challenge.indicators) if visible else [],
        "my_roles": mine,
    }


def _fields(data: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    data = dict(data)
    indicators = data.pop("indicators")
    data.pop("organization_id", None)
    return data, indicators


def create_blueprint() -> Blueprint:
    blp = Blueprint(
        "challenges",
        __name__,
        url_prefix="/api/v1/challenges",
        description="揭榜挂帅 challenges: an escrowed bounty, confidential proposals, "
        "feedback to every solver",
    )

    @blp.route("", methods=["GET"])
    @blp.arguments(HallArgs, location="query")
    @blp.response(200, ChallengeCardOut(many=True))
    def list_challenges(args):
        """The 榜单 hall: open challenges (the nearest deadline first) or closed ones
        (``status=closed``: the winners that agreed to be named, and the amounts)."""
        return [
            card_out(db.session, c.challenge)
            for c in hall.hall(db.session, **{k: v for k, v in args.items() if v is not None})
        ]

    @blp.route("", methods=["POST"])
    @login_required(blp)
    @blp.arguments(ChallengeIn)
    @blp.response(201, ChallengeOut)
    @blp.alt_response(403, schema=ApiError)
    def post_challenge(data):
        """Enterprise members (and operators, for an organization: ``organization_id``)
        post a draft challenge with its measurable indicators."""
        actor = current_actor()
        org_id = data.get("organization_id")
        fields, indicators = _fields(data)
        challenge = workflow.post(db.session, actor, fields, indicators, organization_id=org_id)
        return challenge_out(db.session, actor, challenge)

    @blp.route("/mine", methods=["GET"])
    @login_required(blp)
    @blp.response(200, ChallengeCardOut(many=True))
    def my_challenges():
        """My organization's challenges in every state, and those it proposed to."""
        return [card_out(db.session, c) for c in hall.mine(db.session, current_actor())]

    @blp.route("/review-queue", methods=["GET"])
    @login_required(blp)
    @blp.response(200, ReviewQueueOut)
    @blp.alt_response(403, schema=ApiError)
    def review_queue():
        """Operators: challenges to review, and approved ones whose bounty's transfer is
        awaited."""
        queue = hall.review_queue(db.session, current_actor())
        return {k: [card_out(db.session, c) for c in v] for k, v in queue.items()}

    @blp.route("/<int:challenge_id>", methods=["GET"])
    @blp.response(200, ChallengeOut)
    def get_challenge(challenge_id: int):
        """A challenge: the summary is public; the statement, indicators and IP terms of
        a ``summary_public`` challenge only after the NDA click-through."""
        actor = current_actor()
        challenge = hall.get_challenge(db.session, actor, challenge_id)
        return challenge_out(db.session, actor, challenge)

    @blp.route("/<int:challenge_id>", methods=["PUT"])
    @login_required(blp)
    @blp.arguments(ChallengeEditIn)
    @blp.response(200, ChallengeOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    def edit_challenge(data, challenge_id: int):
        """The poster edits a draft (or a rejected challenge)."""
        actor = current_actor()
        fields, indicators = _fields(data)
        challenge = workflow.edit(db.session, actor, challenge_id, fields, indicators)
        return challenge_out(db.session, actor, challenge)

    def post_route(path: str, name: str, doc: str, schema, status: int, out, present):
        """Register a POST whose handler takes the actor (and the body, when `schema`)
        and answers `present(actor, result)` in the shape `out`."""

        def register(call):
            def view(*args, **kwargs):
                actor = current_actor()
                return present(actor, call(actor, *args, **kwargs))

            view.__name__ = name
            view.__doc__ = doc
            wrapped = blp.alt_response(409, schema=ApiError)(view)
            wrapped = blp.alt_response(403, schema=ApiError)(wrapped)
            wrapped = blp.response(status, out)(wrapped)
            if schema is not None:
                wrapped = blp.arguments(schema)(wrapped)
            wrapped = login_required(blp)(wrapped)
            blp.route(path, methods=["POST"], endpoint=name)(wrapped)
            return call

        return register

    def action_route(path: str, name: str, doc: str, schema=None):
        """A POST on one challenge that answers the challenge."""
        return post_route(
            path,
            name,
            doc,
            schema,
            200,
            ChallengeOut,
            lambda actor, challenge: challenge_out(db.session, actor, challenge),
        )

    @action_route("/<int:challenge_id>/submit", "submit_challenge", "Submit for review.")
    def _submit(actor, challenge_id):
        return workflow.submit(db.session, actor, challenge_id)

    @action_route(
        "/<int:challenge_id>/review",
        "review_challenge",
        "Operators approve (the poster is then asked to fund the bounty) or reject with a note.",
        ChallengeReviewIn,
    )
    def _review(actor, data, challenge_id):
        return workflow.review(db.session, actor, challenge_id, data["action"], data["note"])

    @blp.route("/<int:challenge_id>/funding", methods=["GET"])
    @login_required(blp)
    @blp.response(200, ChallengeFundingOut)
    @blp.alt_response(409, schema=ApiError)
    def funding_instructions(challenge_id: int):
        """The poster: how to pay the bounty in (a bank transfer with the challenge's
        reference); an operator confirms it arrived and the challenge opens."""
        return hall.funding_instructions(
            db.session, current_actor(), challenge_id, gateway=gateway_for(current_app)
        )

    @action_route(
        "/<int:challenge_id>/funding",
        "confirm_funding",
        "Operators: the bounty's bank transfer arrived (exactly the bounty, under the "
        "challenge's reference); the ledger holds it in escrow and the challenge opens.",
        FundingConfirmIn,
    )
    def _fund(actor, data, challenge_id):
        require_step_up()
        return workflow.confirm_funding(db.session, actor, challenge_id, **data)

    @action_route(
        "/<int:challenge_id>/nda",
        "accept_nda",
        "Accept the challenge's confidentiality terms to read its details (recorded).",
    )
    def _nda(actor, challenge_id):
        return hall.accept_nda(db.session, actor, challenge_id)

    @action_route(
        "/<int:challenge_id>/close",
        "close_proposals",
        "The poster closes proposals once the deadline has passed; evaluation begins.",
    )
    def _close(actor, challenge_id):
        return workflow.close_proposals(db.session, actor, challenge_id)

    @action_route(
        "/<int:challenge_id>/withdraw",
        "withdraw_challenge",
        "The poster (or an operator) withdraws: the bounty is refunded and every solver "
        "reads the reason.",
        ReasonIn,
    )
    def _withdraw(actor, data, challenge_id):
        return workflow.withdraw(db.session, actor, challenge_id, data["reason"])

    @action_route(
        "/<int:challenge_id>/decline",
        "decline_all",
        "The poster awards nobody: the bounty is refunded and every solver reads the reason.",
        ReasonIn,
    )
    def _decline(actor, data, challenge_id):
        return workflow.decline_all(db.session, actor, challenge_id, data["reason"])

    @action_route(
        "/<int:challenge_id>/award",
        "award_challenge",
        "The poster awards one proposal (several if the rules allow splitting, the amounts "
        "within the bounty); every other undecided proposal needs its reason. A deal opens "
        "with each winner, the awarded amount already in its escrow; the rest is refunded.",
        AwardIn,
    )
    def _award(actor, data, challenge_id):
        reasons = {r["proposal_id"]: r["reason"] for r in data["rejected"]}
        return award.award(
            db.session, actor, challenge_id, data["winners"], reasons, ip=request.remote_addr
        )

    @blp.route("/<int:challenge_id>/proposals", methods=["GET"])
    @blp.response(200, ProposalListOut)
    def list_proposals(challenge_id: int):
        """The proposals you may read (the poster and operators: all; a solver: its own)
        and how many there are."""
        actor = current_actor()
        challenge = hall.get_challenge(db.session, actor, challenge_id)
        return {
            "count": workflow.proposal_count(db.session, challenge.id),
            "proposals": workflow.visible_proposals(db.session, actor, challenge),
        }

    @blp.route("/<int:challenge_id>/proposals", methods=["POST"])
    @login_required(blp)
    @blp.arguments(ProposalIn)
    @blp.response(201, ProposalOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    def propose(data, challenge_id: int):
        """A verified organization proposes (揭榜), once, before the deadline: its approach,
        team, a plan for each indicator and a price within the bounty."""
        return workflow.propose(db.session, current_actor(), challenge_id, **data)

    @blp.route("/proposals/<int:proposal_id>", methods=["GET"])
    @login_required(blp)
    @blp.response(200, ProposalOut)
    def get_proposal(proposal_id: int):
        """One proposal with its scores, questions and, once decided, its outcome and
        reason."""
        return workflow.readable_proposal(db.session, current_actor(), proposal_id)

    @blp.route("/proposals/<int:proposal_id>/files", methods=["POST"])
    @login_required(blp)
    @blp.arguments(AttachmentUpload, location="files")
    @blp.response(201, ProposalFileOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(404, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    @blp.alt_response(422, schema=ApiError)
    def upload_proposal_file(files, proposal_id: int):
        """The proposing team attaches a file (PDF, PNG, JPEG, OOXML, text; checked by
        content; size-limited; at most ten) until the proposal is decided."""
        upload = files["file"]
        if not upload or not upload.filename:
            raise Invalid({"file": N_("Choose a file.")})
        return proposal_files.add_file(
            db.session,
            current_actor(),
            proposal_id,
            upload.stream,
            upload.filename,
            storage_dir=storage_dir(),
            max_bytes=current_app.config.get("MAX_ATTACHMENT_BYTES", DEFAULT_MAX_BYTES),
        )

    @blp.route("/proposals/<int:proposal_id>/files", methods=["GET"])
    @login_required(blp)
    @blp.response(200, ProposalFileOut(many=True))
    @blp.alt_response(404, schema=ApiError)
    def list_proposal_files(proposal_id: int):
        """A proposal's files, for those who may read the proposal."""
        return proposal_files.list_files(db.session, current_actor(), proposal_id)

    @blp.route("/proposals/<int:proposal_id>/files/<int:file_id>", methods=["GET"])
    @login_required(blp)
    @blp.doc(responses={200: DOWNLOAD_RESPONSE})
    @blp.alt_response(404, schema=ApiError)
    def download_proposal_file(proposal_id: int, file_id: int):
        """The file itself, as a download (never rendered inline)."""
        return proposal_file_download(proposal_id, file_id)

    def proposal_route(path: str, name: str, doc: str, schema=None, status: int = 200, out=None):
        """A POST on one proposal that answers what the service returns."""
        return post_route(
            path, name, doc, schema, status, out or ProposalOut, lambda actor, result: result
        )

    @proposal_route("/proposals/<int:proposal_id>/shortlist", "shortlist", "The poster shortlists.")
    def _shortlist(actor, proposal_id):
        return workflow.shortlist(db.session, actor, proposal_id)

    @proposal_route(
        "/proposals/<int:proposal_id>/scores",
        "score_proposal",
        "The poster scores the proposal (0–100) on the challenge's published criteria.",
        ScoresIn,
    )
    def _score(actor, data, proposal_id):
        return workflow.score(db.session, actor, proposal_id, data["scores"])

    @proposal_route(
        "/proposals/<int:proposal_id>/reject",
        "reject_proposal",
        "The poster turns the proposal down with the reason its team will read.",
        ReasonIn,
    )
    def _reject(actor, data, proposal_id):
        return award.reject(db.session, actor, proposal_id, data["reason"])

    @proposal_route(
        "/proposals/<int:proposal_id>/questions",
        "ask_question",
        "The poster asks the proposing team a question in the proposal's thread.",
        QuestionIn,
        201,
        QuestionOut,
    )
    def _ask(actor, data, proposal_id):
        return workflow.ask(db.session, actor, proposal_id, data["question"])

    @proposal_route(
        "/questions/<int:question_id>/answer",
        "answer_question",
        "The proposing team answers a question, once.",
        AnswerIn,
        200,
        QuestionOut,
    )
    def _answer(actor, data, question_id):
        return workflow.answer(db.session, actor, question_id, data["answer"])

    return blp
