"""Brokers on deals: invitations and their answers, release with both parties' consent,
mediation offers on listings and demands, brokerage records (with files and earlier
versions) and the parties' ratings of the broker."""

from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import Schema

from marketplace.api.spec import login_required
from marketplace.brokers import assignment as broker_assignment
from marketplace.brokers import offers as broker_offers
from marketplace.brokers import records as brokerage_records
from marketplace.brokers import stats as broker_stats
from marketplace.core.errors import Invalid
from marketplace.core.messages import N_
from marketplace.deals import files as deal_files
from marketplace.extensions import db
from marketplace.models import BrokerageRecord
from marketplace.schemas.brokers import (
    AssignmentOut,
    DecisionIn,
    InviteIn,
    OfferIn,
    OfferOut,
    OfferQuery,
    RatingIn,
    RatingOut,
    RecordAttachmentOut,
    RecordIn,
    RecordOut,
)
from marketplace.schemas.common import ApiError
from marketplace.web.auth import current_actor
from marketplace.web.downloads import record_download, storage_dir


class FileUpload(Schema):
    file = Upload(required=True)


def record_out(record: BrokerageRecord) -> dict:
    """The record as the current user may read it (RecordOut)."""
    return {
        **{c.key: getattr(record, c.key) for c in BrokerageRecord.__table__.columns},
        "editable_until": brokerage_records.editable_until(record),
        "versions": brokerage_records.visible_versions(record, current_actor()),
        "attachments": record.attachments,
    }


def create_blueprint() -> Blueprint:
    blp = Blueprint("broker_deals", __name__, url_prefix="/api/v1", description="Brokers on deals")

    # Assignment ---------------------------------------------------------------------

    @blp.route("/deals/<int:deal_id>/brokers", methods=["GET"])
    @login_required(blp)
    @blp.response(200, AssignmentOut(many=True))
    @blp.alt_response(404, schema=ApiError)
    def deal_brokers(deal_id: int):
        """Brokers invited to or assigned on the deal."""
        return broker_assignment.deal_assignments(db.session, current_actor(), deal_id)

    @blp.route("/deals/<int:deal_id>/brokers", methods=["POST"])
    @login_required(blp)
    @blp.arguments(InviteIn)
    @blp.response(201, AssignmentOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(404, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    def invite(data, deal_id: int):
        """A party invites a verified broker (before the contract is agreed)."""
        assignment = broker_assignment.invite(
            db.session, current_actor(), deal_id, data["broker_id"], data["message"]
        )
        return assignment

    @blp.route("/deals/<int:deal_id>/brokers/release", methods=["POST"])
    @login_required(blp)
    @blp.response(200, AssignmentOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    def release(deal_id: int):
        """A party consents to let the broker go; with both parties' consent it leaves."""
        assignment = broker_assignment.consent_release(db.session, current_actor(), deal_id)
        return assignment

    @blp.route("/broker-invitations", methods=["GET"])
    @login_required(blp)
    @blp.response(200, AssignmentOut(many=True))
    def my_invitations():
        """Invitations waiting for my answer (brokers)."""
        return broker_assignment.my_invitations(db.session, current_actor())

    @blp.route(
        "/broker-invitations/<int:assignment_id>/<any(accept, decline):answer>", methods=["POST"]
    )
    @login_required(blp)
    @blp.response(200, AssignmentOut)
    @blp.alt_response(404, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    def answer(assignment_id: int, answer: str):
        """The invited broker accepts or declines."""
        assignment = broker_assignment.respond(
            db.session, current_actor(), assignment_id, answer == "accept"
        )
        return assignment

    @blp.route("/broker-invitations/<int:assignment_id>/withdraw", methods=["POST"])
    @login_required(blp)
    @blp.response(200, AssignmentOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    def withdraw_invitation(assignment_id: int):
        """A party takes back an invitation not answered yet."""
        assignment = broker_assignment.withdraw_invitation(
            db.session, current_actor(), assignment_id
        )
        return assignment

    # Mediation offers ---------------------------------------------------------------

    @blp.route("/mediation-offers", methods=["POST"])
    @login_required(blp)
    @blp.arguments(OfferIn)
    @blp.response(201, OfferOut)
    @blp.alt_response(404, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    def offer(data):
        """A verified broker offers to mediate a published listing or demand."""
        result = broker_offers.offer_mediation(db.session, current_actor(), **data)
        return result

    @blp.route("/mediation-offers", methods=["GET"])
    @login_required(blp)
    @blp.arguments(OfferQuery, location="query")
    @blp.response(200, OfferOut(many=True))
    def offers(args):
        """``scope=mine``: my offers (brokers); ``scope=received``: offers on my
        organization's items."""
        if args["scope"] == "received":
            return broker_offers.offers_for_owner(db.session, current_actor())
        return broker_offers.offers_of_broker(db.session, current_actor())

    @blp.route("/mediation-offers/<int:offer_id>/<any(accept, decline):decision>", methods=["POST"])
    @login_required(blp)
    @blp.arguments(DecisionIn)
    @blp.response(200, OfferOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    def decide(data, offer_id: int, decision: str):
        """The item's owner accepts or declines (with an optional reason)."""
        result = broker_offers.decide_offer(
            db.session, current_actor(), offer_id, decision == "accept", data["reason"]
        )
        return result

    @blp.route("/mediation-offers/<int:offer_id>/withdraw", methods=["POST"])
    @login_required(blp)
    @blp.response(200, OfferOut)
    @blp.alt_response(404, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    def withdraw_offer(offer_id: int):
        result = broker_offers.withdraw_offer(db.session, current_actor(), offer_id)
        return result

    # Brokerage records --------------------------------------------------------------

    @blp.route("/deals/<int:deal_id>/brokerage-records", methods=["GET"])
    @login_required(blp)
    @blp.response(200, RecordOut(many=True))
    @blp.alt_response(404, schema=ApiError)
    def records(deal_id: int):
        """The entries I may see: parties see shared ones; the broker and operators all."""
        return [
            record_out(r)
            for r in brokerage_records.list_records(db.session, current_actor(), deal_id)
        ]

    @blp.route("/deals/<int:deal_id>/brokerage-records", methods=["POST"])
    @login_required(blp)
    @blp.arguments(RecordIn)
    @blp.response(201, RecordOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(422, schema=ApiError)
    def add_record(data, deal_id: int):
        """The deal's broker writes an entry."""
        record = brokerage_records.add_record(db.session, current_actor(), deal_id, data)
        return record_out(record)

    @blp.route("/brokerage-records/<int:record_id>", methods=["GET"])
    @login_required(blp)
    @blp.response(200, RecordOut)
    @blp.alt_response(404, schema=ApiError)
    def get_record(record_id: int):
        return record_out(brokerage_records.get_record(db.session, current_actor(), record_id))

    @blp.route("/brokerage-records/<int:record_id>", methods=["PUT"])
    @login_required(blp)
    @blp.arguments(RecordIn)
    @blp.response(200, RecordOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    @blp.alt_response(422, schema=ApiError)
    def edit_record(data, record_id: int):
        """Change an entry within 24 hours of writing it; the earlier text is kept."""
        record = brokerage_records.edit_record(db.session, current_actor(), record_id, data)
        return record_out(record)

    @blp.route("/brokerage-records/<int:record_id>/attachments", methods=["POST"])
    @login_required(blp)
    @blp.arguments(FileUpload, location="files")
    @blp.response(201, RecordAttachmentOut)
    @blp.alt_response(409, schema=ApiError)
    @blp.alt_response(422, schema=ApiError)
    def add_attachment(files, record_id: int):
        """Attach a file to an entry (same kinds and limits as the thread's files)."""
        upload = files["file"]
        if not upload or not upload.filename:
            raise Invalid({"file": N_("Choose a file.")})
        attachment = brokerage_records.add_attachment(
            db.session,
            current_actor(),
            record_id,
            upload.stream,
            upload.filename,
            storage_dir=storage_dir(),
            max_bytes=current_app.config.get("MAX_ATTACHMENT_BYTES", deal_files.DEFAULT_MAX_BYTES),
        )
        return attachment

    @blp.route("/brokerage-records/<int:record_id>/attachments/<int:attachment_id>")
    @login_required(blp)
    @blp.response(
        200, {"format": "binary", "type": "string"}, content_type="application/octet-stream"
    )
    @blp.alt_response(404, schema=ApiError)
    def download(record_id: int, attachment_id: int):
        return record_download(record_id, attachment_id)

    # Ratings ------------------------------------------------------------------------

    @blp.route("/deals/<int:deal_id>/broker-rating", methods=["POST"])
    @login_required(blp)
    @blp.arguments(RatingIn)
    @blp.response(201, RatingOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    def rate(data, deal_id: int):
        """A party rates the broker of a completed deal, once."""
        rating = broker_stats.rate_broker(
            db.session, current_actor(), deal_id, data["score"], data["comment"]
        )
        return rating

    return blp
