"""科技创新券 API: programmes (operators define and fund them), applications (verified
enterprises apply, operators grant or refuse), wallets, paying part of a deal by voucher,
and 兑付 (what was released to suppliers per period, with its XLSX export)."""

from __future__ import annotations

from flask import current_app, request
from flask_smorest import Blueprint

from marketplace.api.spec import login_required
from marketplace.core.payments import gateway_for
from marketplace.extensions import db
from marketplace.schemas.common import ApiError
from marketplace.schemas.deals import FundingOut
from marketplace.schemas.vouchers import (
    ApplicationIn,
    ApplicationOut,
    ExportArgs,
    GrantIn,
    ProgrammeIn,
    ProgrammeOut,
    QueueArgs,
    RedemptionArgs,
    RedemptionOut,
    RefuseIn,
    TopUpIn,
    VoucherFundingIn,
    VoucherOptionOut,
    WalletOut,
)
from marketplace.vouchers import applications, programmes, redemption, spending
from marketplace.web import exports
from marketplace.web.auth import current_actor
from marketplace.web.second_factor import require_step_up


def create_blueprint() -> Blueprint:
    blp = Blueprint(
        "vouchers",
        __name__,
        url_prefix="/api/v1/vouchers",
        description="科技创新券 innovation vouchers: programmes, applications, wallets, "
        "paying part of a deal, redemption (兑付)",
    )

    @blp.route("/programmes", methods=["GET"])
    @blp.response(200, ProgrammeOut(many=True))
    def list_programmes():
        """Every programme, with its budget figures (``open``: valid today)."""
        return [programmes.view(db.session, p) for p in programmes.listing(db.session)]

    @blp.route("/programmes", methods=["POST"])
    @login_required(blp)
    @blp.arguments(ProgrammeIn)
    @blp.response(201, ProgrammeOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    def create_programme(data):
        """Operators define a programme and fund its budget (the bureau's transfer
        ``reference``; the ledger moves ``budget`` into the programme's budget account)."""
        require_step_up()
        data = dict(data)
        budget, reference = data.pop("budget"), data.pop("reference")
        programme = programmes.create(
            db.session,
            current_actor(),
            data,
            budget=budget,
            reference=reference,
            ip=request.remote_addr,
        )
        return programmes.view(db.session, programme)

    @blp.route("/programmes/<int:programme_id>", methods=["GET"])
    @blp.response(200, ProgrammeOut)
    @blp.alt_response(404, schema=ApiError)
    def get_programme(programme_id: int):
        """One programme and its budget."""
        return programmes.view(db.session, programmes.get(db.session, programme_id))

    @blp.route("/programmes/<int:programme_id>/top-up", methods=["POST"])
    @login_required(blp)
    @blp.arguments(TopUpIn)
    @blp.response(200, ProgrammeOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(404, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    def top_up(data, programme_id: int):
        """Operators add the bureau's further transfer to the budget (once per reference)."""
        require_step_up()
        programme = programmes.top_up(
            db.session, current_actor(), programme_id, ip=request.remote_addr, **data
        )
        return programmes.view(db.session, programme)

    @blp.route("/applications", methods=["POST"])
    @login_required(blp)
    @blp.arguments(ApplicationIn)
    @blp.response(201, ApplicationOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(404, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    def apply(data):
        """A member of a verified enterprise applies (documents: on the application page)."""
        data = dict(data)
        return applications.apply(
            db.session,
            current_actor(),
            data.pop("programme_id"),
            ip=request.remote_addr,
            **data,
        )

    @blp.route("/applications/mine", methods=["GET"])
    @login_required(blp)
    @blp.response(200, ApplicationOut(many=True))
    def my_applications():
        """My organization's applications, newest first."""
        return applications.mine(db.session, current_actor())

    @blp.route("/applications/queue", methods=["GET"])
    @login_required(blp)
    @blp.arguments(QueueArgs, location="query")
    @blp.response(200, ApplicationOut(many=True))
    @blp.alt_response(403, schema=ApiError)
    def queue(args):
        """Operators: applications in a state (submitted: waiting for a decision)."""
        return applications.queue(db.session, current_actor(), args["state"])

    @blp.route("/applications/<int:application_id>/grant", methods=["POST"])
    @login_required(blp)
    @blp.arguments(GrantIn)
    @blp.response(200, ApplicationOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(404, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    def grant(data, application_id: int):
        """Operators grant (``amount`` less than applied for, or all of it) within the
        caps and the budget: the ledger moves it into the enterprise's wallet."""
        require_step_up()
        return applications.grant(
            db.session, current_actor(), application_id, ip=request.remote_addr, **data
        )

    @blp.route("/applications/<int:application_id>/refuse", methods=["POST"])
    @login_required(blp)
    @blp.arguments(RefuseIn)
    @blp.response(200, ApplicationOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(404, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    def refuse(data, application_id: int):
        """Operators refuse with a reason the applicant reads."""
        return applications.refuse(
            db.session, current_actor(), application_id, ip=request.remote_addr, **data
        )

    @blp.route("/wallet", methods=["GET"])
    @login_required(blp)
    @blp.response(200, WalletOut(many=True))
    def wallet():
        """My organization's voucher balance under each programme that granted it one."""
        return applications.wallets(db.session, current_actor())

    @blp.route("/deals/<int:deal_id>/options", methods=["GET"])
    @login_required(blp)
    @blp.response(200, VoucherOptionOut(many=True))
    @blp.alt_response(404, schema=ApiError)
    def deal_options(deal_id: int):
        """The buyer: the vouchers that may pay part of this deal now, and how much."""
        return spending.deal_options(db.session, current_actor(), deal_id)

    @blp.route("/deals/<int:deal_id>/funding", methods=["POST"])
    @login_required(blp)
    @blp.arguments(VoucherFundingIn)
    @blp.response(201, FundingOut)
    @blp.alt_response(403, schema=ApiError)
    @blp.alt_response(404, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    def fund_with_voucher(data, deal_id: int):
        """The buyer pays ``voucher_amount`` of the deal from its voucher wallet into
        escrow and gets the payment instructions for the rest (the price less what escrow
        holds)."""
        return spending.fund_with_voucher(
            db.session,
            current_actor(),
            deal_id,
            programme_id=data["programme_id"],
            amount=data["voucher_amount"],
            gateway=gateway_for(current_app),
            ip=request.remote_addr,
        )

    @blp.route("/redemption", methods=["GET"])
    @login_required(blp)
    @blp.arguments(RedemptionArgs, location="query")
    @blp.response(200, RedemptionOut)
    @blp.alt_response(403, schema=ApiError)
    def redemption_list(args):
        """Operators (for the bureau): voucher money released to suppliers in an
        Asia/Shanghai month or quarter, per supplier and line by line."""
        lines = redemption.rows(db.session, current_actor(), args["period"], args["programme_id"])
        return {"period": args["period"], "totals": redemption.per_supplier(lines), "lines": lines}

    @blp.route("/redemption/export", methods=["GET"])
    @login_required(blp)
    @blp.arguments(ExportArgs, location="query")
    @blp.response(200, description="An XLSX (or CSV) download")
    @blp.alt_response(403, schema=ApiError)
    def redemption_export(args):
        """The same lines as a spreadsheet the bureau files."""
        lines = redemption.rows(db.session, current_actor(), args["period"], args["programme_id"])
        return exports.voucher_redemption(lines, args["period"], args["format"])

    return blp
