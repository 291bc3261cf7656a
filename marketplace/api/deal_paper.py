"""Deal paper API: the contract PDF of the agreed terms and the 技术合同登记 pack
(PDF or XLSX) — for the deal's parties, its broker and operators."""

from __future__ import annotations

from flask_smorest import Blueprint

from marketplace.api.spec import login_required
from marketplace.schemas.common import ApiError
from marketplace.web import paper


def _binary(mimetype: str, description: str) -> dict:
    return {
        "description": description,
        "content": {mimetype: {"schema": {"type": "string", "format": "binary"}}},
    }


def create_blueprint() -> Blueprint:
    blp = Blueprint(
        "deal_paper", __name__, url_prefix="/api/v1/deals", description="Deal contract paper"
    )

    @blp.route("/<int:deal_id>/contract.pdf", methods=["GET"])
    @login_required(blp)
    @blp.doc(responses={200: _binary(paper.PDF, "The contract, as an attachment")})
    @blp.alt_response(404, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    def contract(deal_id: int):
        """The contract of the agreed terms as PDF: parties with their credit codes, broker,
        object and patents, transfer mode, price, milestones, fee and commission, the
        arbitration clause; the terms hash on every page. 409 until terms are agreed."""
        return paper.contract_download(deal_id)

    @blp.route("/<int:deal_id>/registration.<any(pdf, xlsx):fmt>", methods=["GET"])
    @login_required(blp)
    @blp.doc(
        responses={
            200: {
                "description": "The pre-filled registration form, as an attachment",
                "content": {
                    mimetype: {"schema": {"type": "string", "format": "binary"}}
                    for mimetype in (paper.PDF, paper.XLSX)
                },
            }
        }
    )
    @blp.alt_response(404, schema=ApiError)
    @blp.alt_response(409, schema=ApiError)
    def registration(deal_id: int, fmt: str):
        """The 技术合同登记 fields (contract type, amounts, parties, field, IP types)
        pre-filled from the agreed terms, as PDF or XLSX. 409 until terms are agreed."""
        return paper.registration_download(deal_id, fmt)

    return blp
