"""The deal's paper as downloads from the deal page: the contract PDF and the 技术合同登记
pack (web/paper.py builds them; the same readers as the API)."""

from marketplace.views.base import bp, require_login
from marketplace.web import paper


@bp.route("/deals/<int:deal_id>/contract.pdf")
@require_login
def deal_contract(deal_id: int):
    return paper.contract_download(deal_id)


@bp.route("/deals/<int:deal_id>/registration.<any(pdf, xlsx):fmt>")
@require_login
def deal_registration(deal_id: int, fmt: str):
    return paper.registration_download(deal_id, fmt)
