"""Deals API: open, negotiate, agree, fund, deliver milestone by milestone, dispute, cancel;
operators confirm bank transfers, resolve disputes and execute payouts.

Only the deal's parties and operators see a deal: everyone else gets 404. A refused
transition is a 409 with the reason; the wrong party is a 403.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask_smorest import Blueprint

import payments
from marketplace.api.publication import page_body
from marketplace.api.spec import login_required
from marketplace.brokers import deal_timeline
from marketplace.core.payments import gateway_for
from marketplace.deals import cancellation as deal_cancellation
from marketplace.deals import delivery as deal_delivery
from marketplace.deals import escrow as deal_money
from marketplace.deals import machine as deals
from marketplace.deals import terms as deal_terms
from marketplace.deals import workflow as deal_workflow
from marketplace.extensions import db
from marketplace.models import Deal, User
from marketplace.schemas.common import ApiError
from marketplace.schemas.deals import (
    BankTransferIn,
    CancelIn,
    ConfirmTermsIn,
    DealOpenIn,
    DealOut,
    DealPage,
    DealQuery,
    DeliverIn,
    DisputeIn,
    FundingOut,
    MessageIn,
    MessageOut,
    PayoutExecuteIn,
    PayoutOut,
    PayoutQuery,
    ProposeCancellationIn,
    RejectIn,
    ResolveIn,
    TermsIn,
)
from marketplace.web.auth import current_actor
from marketplace.web.second_factor import require_step_up

# Money actions: a person with a second factor may send a current code in this header
# instead of verifying the session first (web/second_factor.py).
STEP_UP_HEADER = {
    "parameters": [
        {
            "in": "header",
            "name": "X-Second-Factor",
            "required": False,
            "schema": {"type": "string"},
            "description": "A current code of the caller's second factor (step-up)",
        }
    ]
}


def gateway() -> payments.Gateway:
    return gateway_for(current_app)


def party(org) -> dict[str, Any]:
    return {"id": org.id, "name": org.name, "kind": org.kind}


def summary(deal: Deal, actor: User | None) -> dict[str, Any]:
    return {
        "id": deal.id,
        "state": deal.state,
        "title": deal.title,
        "listing_id": deal.listing_id,
        "demand_id": deal.demand_id,
        "buyer": party(deal.buyer),
        "supplier": party(deal.supplier),
        "my_roles": sorted(deals.actor_roles(deal, actor)),
        "created_at": deal.created_at,
        "updated_at": deal.updated_at,
    }


def deal_view(deal: Deal, actor: User | None) -> dict[str, Any]:
    """Everything a party sees on the deal page: terms and who confirmed them, milestones,
    funding instructions, the timeline and the statement."""
    agreed = deal.agreed_terms
    current = deal.current_terms
    return summary(deal, actor) | {
        "broker_id": deal.active_broker_id,
        "opened_by_role": deal.opened_by_role,
        "actions": deals.allowed_actions(deal, actor),
        "current_terms_hash": current.terms_hash if current else None,
        "agreed_terms_id": agreed.id if agreed else None,
        "terms": deal.terms_versions,
        "milestones": deal.milestones,
        "fundings": deal_money.fundings(db.session, deal),
        "timeline": deal_timeline.timeline(db.session, deal, actor),
        "statement": deal_money.statement(db.session, deal),
        "cancellation": deals.open_cancellation(deal),
        "cancellation_proposals": deal.cancellation_proposals,
        "version": deal.version,
    }


def create_blueprint() -> Blueprint:
    blp = Blueprint("deals", __name__, url_prefix="/api/v1/deals", description="Deals and escrow")

    @blp.route("", methods=["POST"])
    @login_required(blp)
    @blp.arguments(DealOpenIn)
    @blp.response(201, DealOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(404, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    def open_deal(data):
        """Open an inquiry on a published listing (enterprise members) or answer a published
        demand (university and institute members)."""
        actor = current_actor()
        deal = deal_workflow.open_deal(db.session, actor, ip=request.remote_addr, **data)
        return deal_view(deal, actor)

    @blp.route("", methods=["GET"])
    @login_required(blp)
    @blp.arguments(DealQuery, location="query")
    @blp.response(200, DealPage)
    def list_deals(args):
        """My organization's deals (operators: all), filtered by state and my role."""
        actor = current_actor()
        page = deal_workflow.list_deals(db.session, actor, **args)
        return page_body(page, lambda deal: summary(deal, actor))

    @blp.route("/<int:deal_id>", methods=["GET"])
    @login_required(blp)
    @blp.response(200, DealOut)
    @blp.alt_response(404, schema=ApiError)
    def get_deal(deal_id: int):
        """Parties, terms with their confirmations, milestones, timeline and statement."""
        actor = current_actor()
        return deal_view(deals.get_deal(db.session, actor, deal_id), actor)

    @blp.route("/<int:deal_id>/messages", methods=["GET"])
    @login_required(blp)
    @blp.response(200, MessageOut(many=True))
    @blp.alt_response(404, schema=ApiError)
    def list_messages(deal_id: int):
        """The negotiation thread, oldest first."""
        return deal_workflow.list_messages(db.session, current_actor(), deal_id)

    @blp.route("/<int:deal_id>/messages", methods=["POST"])
    @login_required(blp)
    @blp.arguments(MessageIn)
    @blp.response(201, MessageOut)
    @blp.alt_response(404, schema=ApiError)
    def post_message(data, deal_id: int):
        """Write in the thread (attachments are not supported yet)."""
        message = deal_workflow.post_message(db.session, current_actor(), deal_id, data["body"])
        return message

    @blp.route("/<int:deal_id>/terms", methods=["POST"])
    @login_required(blp)
    @blp.arguments(TermsIn)
    @blp.response(201, DealOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(404, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    @blp.alt_response(422, schema=ApiError)
    def propose_terms(data, deal_id: int):
        """Propose a new terms version (offer or counter-offer); voids earlier confirmations."""
        actor = current_actor()
        terms = deal_terms.propose_terms(
            db.session,
            actor,
            deal_id,
            data,
            platform_fee_bp=current_app.config.get("PLATFORM_FEE_BP", 300),
            acceptance_days=current_app.config["MILESTONE_ACCEPTANCE_DAYS"],
            ip=request.remote_addr,
        )
        return deal_view(terms.deal, actor)

    @blp.route("/<int:deal_id>/terms/confirm", methods=["POST"])
    @login_required(blp)
    @blp.arguments(ConfirmTermsIn)
    @blp.response(200, DealOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(404, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    def confirm_terms(data, deal_id: int):
        """Confirm the current terms by their hash; when both parties have, the deal is agreed."""
        actor = current_actor()
        deal = deal_terms.confirm_terms(
            db.session, actor, deal_id, data["terms_hash"], ip=request.remote_addr
        )
        return deal_view(deal, actor)

    @blp.route("/<int:deal_id>/funding", methods=["POST"])
    @login_required(blp)
    @blp.response(201, FundingOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(404, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    def request_funding(deal_id: int):
        """The buyer gets payment instructions (offline: bank transfer with a unique reference)."""
        funding = deal_money.request_funding(
            db.session, current_actor(), deal_id, gateway=gateway(), ip=request.remote_addr
        )
        return funding

    @blp.route("/<int:deal_id>/funding/confirm", methods=["POST"])
    @login_required(blp)
    @blp.arguments(BankTransferIn)
    @blp.response(200, DealOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(404, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    @blp.alt_response(422, schema=ApiError)
    @blp.doc(**STEP_UP_HEADER)
    def confirm_bank_transfer(data, deal_id: int):
        """Operators: the bank transfer arrived (exactly the contract amount); escrow is funded.

        With a second factor: one checked in the last few minutes, else 403
        `second_factor_required` (or send a code in the `X-Second-Factor` header)."""
        require_step_up()
        actor = current_actor()
        deal = deal_money.confirm_bank_transfer(
            db.session, actor, deal_id, ip=request.remote_addr, **data
        )
        return deal_view(deal, actor)

    @blp.route("/<int:deal_id>/start", methods=["POST"])
    @login_required(blp)
    @blp.response(200, DealOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(404, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    def start_work(deal_id: int):
        """The supplier starts delivering a funded deal."""
        actor = current_actor()
        return deal_view(
            deal_workflow.start_work(db.session, actor, deal_id, ip=request.remote_addr), actor
        )

    @blp.route("/<int:deal_id>/milestones/<int:milestone_id>/deliver", methods=["POST"])
    @login_required(blp)
    @blp.arguments(DeliverIn)
    @blp.response(200, DealOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(404, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    @blp.alt_response(422, schema=ApiError)
    def deliver_milestone(data, deal_id: int, milestone_id: int):
        """The supplier delivers a pending milestone with a note and files uploaded to the
        deal first (`attachment_ids`); the buyer then has the terms' acceptance period to
        accept or reject it before it is accepted automatically."""
        actor = current_actor()
        deal = deal_delivery.deliver_milestone(
            db.session,
            actor,
            deal_id,
            milestone_id,
            data["note"],
            data["attachment_ids"],
            ip=request.remote_addr,
        )
        return deal_view(deal, actor)

    @blp.route("/<int:deal_id>/milestones/<int:milestone_id>/reject", methods=["POST"])
    @login_required(blp)
    @blp.arguments(RejectIn)
    @blp.response(200, DealOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(404, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    @blp.alt_response(422, schema=ApiError)
    def reject_milestone(data, deal_id: int, milestone_id: int):
        """The buyer rejects a delivery with a reason: the milestone is pending again."""
        actor = current_actor()
        deal = deal_delivery.reject_milestone(
            db.session, actor, deal_id, milestone_id, data["reason"], ip=request.remote_addr
        )
        return deal_view(deal, actor)

    @blp.route("/<int:deal_id>/milestones/<int:milestone_id>/accept", methods=["POST"])
    @login_required(blp)
    @blp.response(200, DealOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(404, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    def accept_milestone(deal_id: int, milestone_id: int):
        """The buyer accepts a delivered milestone: its amount is released from escrow to the
        supplier."""
        actor = current_actor()
        deal = deal_delivery.accept_milestone(
            db.session, actor, deal_id, milestone_id, gateway=gateway(), ip=request.remote_addr
        )
        return deal_view(deal, actor)

    @blp.route("/<int:deal_id>/milestones/<int:milestone_id>/dispute", methods=["POST"])
    @login_required(blp)
    @blp.arguments(DisputeIn)
    @blp.response(200, DealOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(404, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    def dispute_milestone(data, deal_id: int, milestone_id: int):
        """The buyer disputes a milestone, with a reason; an operator resolves it."""
        actor = current_actor()
        deal = deal_delivery.dispute_milestone(
            db.session, actor, deal_id, milestone_id, data["reason"], ip=request.remote_addr
        )
        return deal_view(deal, actor)

    @blp.route("/<int:deal_id>/milestones/<int:milestone_id>/resolve", methods=["POST"])
    @login_required(blp)
    @blp.arguments(ResolveIn)
    @blp.response(200, DealOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(404, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    @blp.alt_response(422, schema=ApiError)
    @blp.doc(**STEP_UP_HEADER)
    def resolve_dispute(data, deal_id: int, milestone_id: int):
        """Operators: release, refund, or split (release `release_amount`, refund the rest).

        With a second factor: one checked in the last few minutes, else 403
        `second_factor_required` (or send a code in the `X-Second-Factor` header)."""
        require_step_up()
        actor = current_actor()
        deal = deal_delivery.resolve_dispute(
            db.session,
            actor,
            deal_id,
            milestone_id,
            data["outcome"],
            release_amount=data.get("release_amount"),
            note=data["note"],
            gateway=gateway(),
            ip=request.remote_addr,
        )
        return deal_view(deal, actor)

    @blp.route("/<int:deal_id>/cancel", methods=["POST"])
    @login_required(blp)
    @blp.arguments(CancelIn, required=False)
    @blp.response(200, DealOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(404, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    def cancel(data, deal_id: int):
        """Before funding: either party. After funding: operators only (arbitration, with a
        reason), refunding the escrow balance."""
        actor = current_actor()
        deal = deal_delivery.cancel(
            db.session,
            actor,
            deal_id,
            (data or {}).get("reason", ""),
            gateway=gateway(),
            ip=request.remote_addr,
        )
        return deal_view(deal, actor)

    @blp.route("/<int:deal_id>/cancellation", methods=["POST"])
    @login_required(blp)
    @blp.arguments(ProposeCancellationIn)
    @blp.response(200, DealOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(404, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    @blp.alt_response(422, schema=ApiError)
    def propose_cancellation(data, deal_id: int):
        """A party proposes to cancel a funded deal (not in dispute), with a reason; the
        other party accepts or declines, the proposer may withdraw, and it lapses after
        DEAL_CANCELLATION_LAPSE_DAYS. A release, an acceptance or a dispute clears it."""
        actor = current_actor()
        deal = deal_cancellation.propose_cancellation(
            db.session,
            actor,
            deal_id,
            data["reason"],
            lapse_days=current_app.config["DEAL_CANCELLATION_LAPSE_DAYS"],
            ip=request.remote_addr,
        )
        return deal_view(deal, actor)

    @blp.route("/<int:deal_id>/cancellation/accept", methods=["POST"])
    @login_required(blp)
    @blp.response(200, DealOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(404, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    def accept_cancellation(deal_id: int):
        """The other party accepts the open proposal: the deal is cancelled and what escrow
        still holds is refunded to the buyer."""
        actor = current_actor()
        deal = deal_cancellation.accept_cancellation(
            db.session, actor, deal_id, gateway=gateway(), ip=request.remote_addr
        )
        return deal_view(deal, actor)

    @blp.route("/<int:deal_id>/cancellation/decline", methods=["POST"])
    @login_required(blp)
    @blp.arguments(CancelIn, required=False)
    @blp.response(200, DealOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(404, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    def decline_cancellation(data, deal_id: int):
        """The other party declines the open proposal (reason optional); work goes on."""
        actor = current_actor()
        deal = deal_cancellation.decline_cancellation(
            db.session, actor, deal_id, (data or {}).get("reason", ""), ip=request.remote_addr
        )
        return deal_view(deal, actor)

    @blp.route("/<int:deal_id>/cancellation/withdraw", methods=["POST"])
    @login_required(blp)
    @blp.response(200, DealOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(404, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    def withdraw_cancellation(deal_id: int):
        """The proposer withdraws the open cancellation proposal."""
        actor = current_actor()
        deal = deal_cancellation.withdraw_cancellation(
            db.session, actor, deal_id, ip=request.remote_addr
        )
        return deal_view(deal, actor)

    @blp.route("/payouts", methods=["GET"])
    @login_required(blp)
    @blp.arguments(PayoutQuery, location="query")
    @blp.response(200, PayoutOut(many=True))
    @blp.alt_response(403, schema=ApiError)
    def list_payouts(args):
        """Operators: payout instructions (pending by default)."""
        return deal_money.list_payouts(db.session, current_actor(), args["status"])

    @blp.route("/payouts/<int:payout_id>/execute", methods=["POST"])
    @login_required(blp)
    @blp.arguments(PayoutExecuteIn)
    @blp.response(200, PayoutOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(404, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    @blp.doc(**STEP_UP_HEADER)
    def execute_payout(data, payout_id: int):
        """Operators: the money was paid out (bank reference); payable → external.

        With a second factor: one checked in the last few minutes, else 403
        `second_factor_required` (or send a code in the `X-Second-Factor` header)."""
        require_step_up()
        payout = deal_money.execute_payout(
            db.session, current_actor(), payout_id, data["reference"], ip=request.remote_addr
        )
        return payout

    return blp
