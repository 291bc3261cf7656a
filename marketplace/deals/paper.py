"""Paper: the facts of a deal's contract and of its 技术合同登记 (contract registration),
taken from the AGREED terms version and nothing else.

What is printed is decided here; how it is printed (PDF, XLSX) is web/paper.py. The
contract may be read by the deal's parties, its broker (the active one, or the one the
agreed terms name) and operators; everyone else gets NotFound, as for the deal itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.core.errors import Conflict, NotFound, Unauthorized
from marketplace.core.messages import N_
from marketplace.deals import machine as deals
from marketplace.deals.escrow import split_release
from marketplace.models import (
    BrokerProfile,
    Challenge,
    Deal,
    DealTerms,
    Demand,
    Listing,
    Organization,
    User,
)

# 技术合同登记 contract types (技术合同认定规则): the form asks for exactly one.
CONTRACT_TYPES = ("transfer", "license", "development", "consulting", "service")
# The agreed transfer mode decides the contract type and its sub-type.
CONTRACT_TYPE_OF_MODE = {
    "assignment": "transfer",
    "equity": "transfer",
    "license_exclusive": "license",
    "license_sole": "license",
    "license_nonexclusive": "license",
    "co_development": "development",
}
# 知识产权类型 per patent type; without patents the object is know-how (技术秘密).
IP_TYPE_OF_PATENT = {
    "invention": "invention_patent",
    "utility_model": "utility_model_patent",
    "design": "design_patent",
}
KNOW_HOW = "know_how"


@dataclass(frozen=True)
class Party:
    role: str  # buyer, supplier or broker
    name: str
    kind: str
    region: str
    credit_code: str  # "" when the organization has not given one


@dataclass(frozen=True)
class PatentLine:
    number: str
    patent_type: str
    legal_status: str
    applicant: str


@dataclass(frozen=True)
class ContractFacts:
    deal_id: int
    title: str
    terms: DealTerms
    agreed_at: datetime
    buyer: Party
    supplier: Party
    broker_name: str  # "" without a broker
    broker_certificate: str
    broker_org: Party | None
    item_kind: str  # listing, demand or challenge
    item_id: int
    item_title: str
    domain: str
    patents: tuple[PatentLine, ...]
    milestones: tuple[dict[str, Any], ...]

    @property
    def terms_hash(self) -> str:
        return self.terms.terms_hash

    @property
    def fee_and_commission(self) -> tuple[int, int]:
        """Platform fee and commission on the whole price, by the release rounding rule
        applied per milestone (what the ledger will really take)."""
        fee = commission = 0
        for m in self.milestones:
            _, f, c = split_release(
                int(m["amount"]), self.terms.platform_fee_bp, self.terms.commission_bp
            )
            fee, commission = fee + f, commission + c
        return fee, commission


@dataclass(frozen=True)
class RegistrationFacts:
    """The fields of the 技术合同登记表, pre-filled; the parties check them before filing."""

    contract: ContractFacts
    contract_type: str  # one of CONTRACT_TYPES
    contract_subtype: str  # e.g. patent_assignment, patent_license, know_how_license
    contract_amount: int  # 成交金额
    technology_amount: int  # 技术交易额: the amount less non-technical costs (none recorded)
    ip_types: tuple[str, ...]  # 知识产权类型


def _party(role: str, org: Organization) -> Party:
    return Party(role, org.name, org.kind, org.region, org.credit_code or "")


def contract_facts(session: Session, actor: User | None, deal_id: int) -> ContractFacts:
    """The agreed contract of a deal, for the paper; Conflict while nothing is agreed."""
    if actor is None:
        raise Unauthorized(N_("Log in first."))
    deal = session.get(Deal, deal_id)
    terms = deal.agreed_terms if deal is not None else None
    named_broker = terms is not None and terms.broker_id is not None and terms.broker_id == actor.id
    if deal is None or not (deals.can_view(deal, actor) or named_broker):
        raise NotFound(N_("No deal %(deal)s."), deal=deal_id)
    if terms is None or terms.agreed_at is None:
        raise Conflict(
            N_("The deal has no agreed terms yet: the contract exists once both agree."),
        )
    broker_name = broker_certificate = ""
    broker_org = None
    if terms.broker_id is not None:
        broker = session.get(User, terms.broker_id)
        profile = session.scalar(
            select(BrokerProfile).where(BrokerProfile.user_id == terms.broker_id)
        )
        if broker is not None:
            broker_name = profile.display_name if profile else broker.display_name
            broker_certificate = profile.certificate_number if profile else ""
            if broker.organization is not None:
                broker_org = _party("broker", broker.organization)
    item: Listing | Demand | Challenge
    patents: tuple[PatentLine, ...] = ()
    if deal.challenge_id is not None:  # an awarded challenge's deal
        item = session.get(Challenge, deal.challenge_id)
    elif deal.listing_id is not None:
        item = session.get(Listing, deal.listing_id)
        patents = tuple(
            PatentLine(p.patent_number, p.patent_type, p.legal_status, p.applicant)
            for p in item.patents
        )
    else:
        item = session.get(Demand, deal.demand_id)
    return ContractFacts(
        deal_id=deal.id,
        title=deal.title,
        terms=terms,
        agreed_at=terms.agreed_at,
        buyer=_party("buyer", deal.buyer),
        supplier=_party("supplier", deal.supplier),
        broker_name=broker_name,
        broker_certificate=broker_certificate,
        broker_org=broker_org,
        item_kind="listing"
        if deal.listing_id is not None
        else ("challenge" if deal.challenge_id is not None else "demand"),
        item_id=item.id,
        item_title=item.title,
        domain=item.domain,
        patents=patents,
        milestones=tuple(terms.milestones),
    )


def registration_facts(session: Session, actor: User | None, deal_id: int) -> RegistrationFacts:
    """The 技术合同登记 fields of a deal's agreed contract (same readers as the contract)."""
    contract = contract_facts(session, actor, deal_id)
    mode = contract.terms.transfer_mode
    contract_type = CONTRACT_TYPE_OF_MODE[mode]
    ip_types = tuple(dict.fromkeys(IP_TYPE_OF_PATENT[p.patent_type] for p in contract.patents))
    if contract_type == "development":
        subtype = "cooperative_development"
    elif not contract.patents:
        subtype = "know_how_transfer" if contract_type == "transfer" else "know_how_license"
    elif contract_type == "license":
        subtype = "patent_license"
    elif all(p.legal_status == "pending" for p in contract.patents):
        subtype = "patent_application_assignment"  # 专利申请权转让: nothing granted yet
    else:
        subtype = "patent_assignment"
    return RegistrationFacts(
        contract=contract,
        contract_type=contract_type,
        contract_subtype=subtype,
        contract_amount=contract.terms.price,
        technology_amount=contract.terms.price,
        ip_types=ip_types or (KNOW_HOW,),
    )
