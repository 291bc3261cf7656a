"""Timed online auctions API: sessions and lots (public), applying and deciding lots,
registering with a deposit, bidding, the public hash-chained bid log, results.

Verify a lot's log yourself (Python):

    import hashlib, json, urllib.request
    log = json.load(urllib.request.urlopen(BASE + f"/api/v1/auctions/lots/{lot}/bids"))
    prev = log["genesis"]
    for bid in log["bids"]:
        fields = {k: bid[k] for k in ("lot", "seq", "bidder", "amount", "currency", "kind", "at")}
        data = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert bid["prev_hash"] == prev
        prev = hashlib.sha256((prev + data).encode()).hexdigest()
        assert bid["hash"] == prev
    assert prev == (log["head"] or log["genesis"])
"""

from __future__ import annotations

from flask import current_app, request
from flask_smorest import Blueprint

from marketplace.api.spec import login_required
from marketplace.auctions import bidding, chain, deposits, lots, status
from marketplace.core.payments import gateway_for
from marketplace.extensions import db
from marketplace.models.types import utcnow
from marketplace.schemas.auctions import (
    BidIn,
    BidLogOut,
    BidOutcomeOut,
    CardDepositOut,
    DepositConfirmIn,
    LotDecisionIn,
    LotIn,
    LotOut,
    RegistrationOut,
    ResultSessionOut,
    SessionDetailOut,
    SessionIn,
    SessionOut,
)
from marketplace.schemas.common import ApiError
from marketplace.web.auth import current_actor
from marketplace.web.second_factor import require_step_up

VERIFY_DOC = {"description": __doc__.split("\n\n", 1)[1]}


def create_blueprint() -> Blueprint:
    blp = Blueprint(
        "auctions",
        __name__,
        url_prefix="/api/v1/auctions",
        description="Timed online auctions (网上竞价): sessions, lots, deposits, bids",
    )

    def session_out(auction, actor, now):
        visible = lots.list_lots(db.session, actor, auction.id)
        return status.session_view(auction, visible, now)

    @blp.route("/sessions", methods=["GET"])
    @blp.response(200, SessionOut(many=True))
    def list_sessions():
        """Auction sessions (专场), the latest first."""
        actor, now = current_actor(), utcnow()
        return [session_out(a, actor, now) for a in lots.list_sessions(db.session)]

    @blp.route("/sessions", methods=["POST"])
    @login_required(blp)
    @blp.arguments(SessionIn)
    @blp.response(201, SessionOut)
    @blp.alt_response(403, schema=ApiError)
    def schedule_session(data):
        """Operators: schedule a session (its title, domain, start and end, rules)."""
        actor = current_actor()
        auction = lots.schedule_session(db.session, actor, ip=request.remote_addr, **data)
        return session_out(auction, actor, utcnow())

    @blp.route("/sessions/<int:session_id>", methods=["GET"])
    @blp.response(200, SessionDetailOut)
    def get_session(session_id: int):
        """A session and its lots (admitted lots; the seller and operators also see
        applications)."""
        actor, now = current_actor(), utcnow()
        auction = lots.get_session(db.session, session_id)
        visible = lots.list_lots(db.session, actor, auction.id)
        return status.session_view(auction, visible, now) | {
            "lots": [status.lot_status(db.session, actor, lot, now) for lot in visible]
        }

    @blp.route("/sessions/<int:session_id>/lots", methods=["POST"])
    @login_required(blp)
    @blp.arguments(LotIn)
    @blp.response(201, LotOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    def apply_lot(data, session_id: int):
        """The listing's owner applies to auction a published listing (assignment or
        exclusive licence) with its start price, increment ladder (tiers of ``below`` /
        ``step`` in minor units), optional hidden reserve and deposit."""
        actor = current_actor()
        lot = lots.apply_lot(db.session, actor, session_id, data, ip=request.remote_addr)
        return status.lot_status(db.session, actor, lot)

    @blp.route("/lots/<int:lot_id>/decision", methods=["POST"])
    @login_required(blp)
    @blp.arguments(LotDecisionIn)
    @blp.response(200, LotOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    def decide_lot(data, lot_id: int):
        """Operators admit or reject an application; its seller may withdraw it."""
        actor = current_actor()
        lot = lots.decide_lot(db.session, actor, lot_id, data["action"], ip=request.remote_addr)
        return status.lot_status(db.session, actor, lot)

    @blp.route("/lots/<int:lot_id>", methods=["GET"])
    @blp.response(200, LotOut)
    def get_lot(lot_id: int):
        """A lot now: the current price, the next minimum bid, the time left by the
        server's clock, the number of bidders, and your own status if you registered."""
        actor = current_actor()
        return status.lot_status(db.session, actor, lots.get_lot(db.session, actor, lot_id))

    @blp.route("/lots/<int:lot_id>/registration", methods=["POST"])
    @login_required(blp)
    @blp.response(201, RegistrationOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    def register(lot_id: int):
        """Register to bid (members of a verified enterprise): pay the deposit by bank
        transfer with the reference given; bidding opens to you once an operator has
        confirmed it. Registering again returns the same registration."""
        return deposits.register(
            db.session,
            current_actor(),
            lot_id,
            gateway=gateway_for(current_app),
            ip=request.remote_addr,
        )

    @blp.route("/lots/<int:lot_id>/registration/card", methods=["POST"])
    @login_required(blp)
    @blp.response(201, CardDepositOut)
    @blp.alt_response(404, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    @blp.alt_response(503, schema=ApiError, description="Stripe could not be reached")
    def card_deposit(lot_id: int):
        """Pay your registration's pending deposit by card (when Stripe is configured):
        confirm the PaymentIntent with Stripe.js and the client secret; the deposit is held
        when Stripe reports the payment. Asking again returns the same PaymentIntent."""
        reg, client = deposits.request_card_deposit(
            db.session, current_actor(), lot_id, gateway=gateway_for(current_app)
        )
        return {
            "registration": reg,
            "payment_intent": client.get("payment_intent", ""),
            "client_secret": client.get("client_secret", ""),
        }

    @blp.route("/registrations/<int:registration_id>/deposit", methods=["POST"])
    @login_required(blp)
    @blp.arguments(DepositConfirmIn)
    @blp.response(200, RegistrationOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    def confirm_deposit(data, registration_id: int):
        """Operators: the deposit's bank transfer arrived (exactly the deposit, under the
        registration's reference); it is held in escrow."""
        require_step_up()
        return deposits.confirm_deposit(
            db.session, current_actor(), registration_id, ip=request.remote_addr, **data
        )

    @blp.route("/lots/<int:lot_id>/bids", methods=["POST"])
    @login_required(blp)
    @blp.arguments(BidIn)
    @blp.response(201, BidOutcomeOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    def place_bid(data, lot_id: int):
        """Bid at least ``minimum_bid`` (409 ``bid_too_low`` when someone bid first), with
        an optional hidden maximum the platform bids up to by the minimum increment. The
        leader may only raise its maximum. A bid in the last minutes extends the end."""
        actor = current_actor()
        outcome = bidding.place_bid(
            db.session, actor, lot_id, data["amount"], data.get("max_amount")
        )
        return {
            "accepted": [
                chain.published(b) | {"prev_hash": b.prev_hash, "hash": b.hash}
                for b in outcome.bids
            ],
            "leading": outcome.leading,
            "extended": outcome.extended,
            "lot": status.lot_status(db.session, actor, outcome.lot),
        }

    @blp.route("/lots/<int:lot_id>/bids", methods=["GET"])
    @blp.response(200, BidLogOut)
    @blp.doc(**VERIFY_DOC)
    def bid_log(lot_id: int):
        """The lot's bid log, bidders pseudonymised (竞买人 A, B…), each bid hash-chained:
        ``hash = SHA-256(prev_hash ‖ canonical JSON of the bid)``."""
        lot = lots.get_lot(db.session, current_actor(), lot_id)
        return status.bid_log(db.session, lot)

    @blp.route("/results", methods=["GET"])
    @blp.response(200, ResultSessionOut(many=True))
    def results():
        """Closed sessions: sold and unsold lots, hammer prices, premium over the start,
        and each session's totals."""
        return status.results(db.session)

    return blp
