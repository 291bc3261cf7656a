"""Load the demo content (marketplace/demo_data.py) through the services, so the same rules
apply as for real users: schemas validate, listings and demands walk the publication workflow.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts import brokers, organizations, second_factor
from marketplace.accounts import users as accounts
from marketplace.catalog import demands, listings, publication
from marketplace.challenges import money as challenge_money
from marketplace.challenges import workflow as challenge_workflow
from marketplace.core.uow import unit_of_work
from marketplace.core.validators import cn_check_digit
from marketplace.demo.data import (
    ACCOUNTS,
    BROKER_PROFILE,
    CHALLENGES,
    DEMANDS,
    DEMO_PASSWORDS,
    DEMO_TOTP_SECRETS,
    LISTINGS,
    ORGANIZATIONS,
    REJECTION_REASON,
    VOUCHER_BUDGET,
    VOUCHER_PROGRAMME,
    VOUCHER_REFERENCE,
)
from marketplace.models import Demand, Listing, Organization, User
from marketplace.schemas.challenges import ChallengeIn
from marketplace.schemas.demands import DemandIn
from marketplace.schemas.listings import ListingIn
from marketplace.vouchers import programmes
from payments.offline import DEMO_ACCOUNT

# The workflow actions that lead from draft to each status: (action, by the operator?).
PATHS = {
    "draft": (),
    "pending_review": (("submit", False),),
    "published": (("submit", False), ("publish", True)),
    "rejected": (("submit", False), ("reject", True)),
    "closed": (("submit", False), ("publish", True), ("close", False)),
}


class DemoAccount:
    def __init__(self, role: str, email: str, organization: str | None):
        self.role = role
        self.email = email
        self.password = DEMO_PASSWORDS[role]
        self.totp_secret = DEMO_TOTP_SECRETS.get(role, "")
        self.organization = organization


DEMO_ACCOUNTS = [
    DemoAccount(a.role, a.email, ORGANIZATIONS[a.organization][1] if a.organization else None)
    for a in ACCOUNTS
]


def is_loaded(session: Session) -> bool:
    names = [name for _, name, _, _ in ORGANIZATIONS.values()]
    return session.scalar(select(Organization.id).where(Organization.name.in_(names))) is not None


def patent_number(filing_date: str, type_digit: str, serial: int) -> str:
    digits = f"{filing_date[:4]}{type_digit}{serial:07d}"
    return f"CN{digits}.{cn_check_digit(digits)}"


@unit_of_work
def load(session: Session, second_factor_keys: Sequence[str] = ()) -> bool:
    """Create the demo data unless its organizations exist; True if it was created.
    With ``second_factor_keys`` (the app's), the operator and the broker get their
    second factor with the published DEMO_TOTP_SECRETS. One unit of work: all of it
    is loaded, or nothing."""
    if is_loaded(session):
        return False
    operator = accounts.create_user(
        session,
        email=ACCOUNTS[0].email,
        password=DEMO_PASSWORDS["operator"],
        display_name=ACCOUNTS[0].name,
        roles=["operator"],
    )
    if second_factor_keys:
        second_factor.enable_with_secret(
            session, operator, DEMO_TOTP_SECRETS["operator"], second_factor_keys
        )
    orgs: dict[str, Organization] = {}
    for key, (kind, name, region, verified) in ORGANIZATIONS.items():
        org = organizations.create_organization(
            session, operator, {"kind": kind, "name": name, "region": region}
        )
        if verified:
            organizations.set_verification(session, operator, org.id, "verify", "营业执照已核验")
            # Where payouts go: a demo account, and it says so on every payout.
            organizations.set_payout_bank_account(
                session,
                operator,
                org.id,
                {
                    "bank": DEMO_ACCOUNT.bank,
                    "account_holder": name,
                    "account_number": f"DEMO {len(orgs) + 1:04d} 0000",
                },
            )
        orgs[key] = org
    members: dict[str, User] = {}
    for account in ACCOUNTS[1:]:
        user = accounts.create_user(
            session,
            email=account.email,
            password=DEMO_PASSWORDS[account.role],
            display_name=account.name,
            roles=[account.role],
            organization=orgs[account.organization],
        )
        members.setdefault(account.organization, user)
        if second_factor_keys and account.role in DEMO_TOTP_SECRETS:
            second_factor.enable_with_secret(
                session, user, DEMO_TOTP_SECRETS[account.role], second_factor_keys
            )
        if account.role == "broker":
            profile = brokers.save_profile(session, user, dict(BROKER_PROFILE))
            brokers.review(session, operator, profile.id, "verify")

    for row in LISTINGS:
        (
            org,
            domain,
            title,
            summary,
            description,
            claim,
            ipc,
            inventors,
            filed,
            type_digit,
            serial,
            legal_status,
            trl,
            modes,
            price_type,
            price,
            status,
            language,
            tags,
        ) = row
        data = ListingIn().load(
            {
                "title": title,
                "summary": summary,
                "description": description,
                "domain": domain,
                "tags": tags,
                "trl": trl,
                "transfer_modes": modes,
                "price_type": price_type,
                "price_amount": None if price is None else price * 100,
                "region": ORGANIZATIONS[org][2],
                "language": language,
                "patents": [
                    {
                        "patent_number": patent_number(filed, type_digit, serial),
                        "legal_status": legal_status,
                        "ipc_codes": ipc,
                        "applicant": ORGANIZATIONS[org][1],
                        "inventors": inventors,
                        "filing_date": filed,
                        "abstract": description,
                        "first_claim": claim,
                    }
                ],
            }
        )
        item = listings.create_listing(session, members[org], data)
        _advance(session, Listing, item.id, members[org], operator, status)

    today = date.today()
    for row in DEMANDS:
        org, domain, title, description, low, high, modes, days, status, language = row
        data = DemandIn().load(
            {
                "title": title,
                "description": description,
                "domain": domain,
                "budget_min": low * 100,
                "budget_max": high * 100,
                "cooperation_modes": modes,
                "deadline": (today + timedelta(days=days)).isoformat(),
                "region": ORGANIZATIONS[org][2],
                "language": language,
            }
        )
        item = demands.create_demand(session, members[org], data)
        _advance(session, Demand, item.id, members[org], operator, status)
    first_day = date(today.year, 1, 1)
    programme = dict(VOUCHER_PROGRAMME, valid_from=first_day, valid_to=date(today.year, 12, 31))
    programmes.create(
        session, operator, programme, budget=VOUCHER_BUDGET, reference=VOUCHER_REFERENCE
    )
    for org, state, fields, indicators in CHALLENGES:
        _challenge(session, members[org], operator, state, fields, indicators)
    session.flush()
    return True


def _challenge(session: Session, poster: User, operator: User, state: str, fields, indicators):
    """A challenge posted through the services; an open one is approved and its bounty
    confirmed in escrow (the demo bank transfer), as an operator would."""
    fields = dict(fields)
    deadline = datetime.now(UTC) + timedelta(days=fields.pop("days"))
    data = ChallengeIn().load(
        {
            **fields,
            "bounty": fields["bounty"] * 100,
            "proposal_deadline": deadline.replace(microsecond=0).isoformat(),
            "indicators": [
                {"name": n, "target_value": v, "unit": u, "test_method": t}
                for n, v, u, t in indicators
            ],
        }
    )
    rows = data.pop("indicators")
    data.pop("organization_id", None)
    challenge = challenge_workflow.post(session, poster, data, rows)
    challenge_workflow.submit(session, poster, challenge.id)
    if state == "open":
        challenge_workflow.review(session, operator, challenge.id, "approve")
        challenge_workflow.confirm_funding(
            session,
            operator,
            challenge.id,
            reference=challenge_money.funding_reference(challenge),
            amount=challenge.bounty,
        )


def _advance(session: Session, model, item_id: int, owner: User, operator: User, status: str):
    for action, by_operator in PATHS[status]:
        publication.transition(
            session,
            model,
            item_id,
            action,
            operator if by_operator else owner,
            reason=REJECTION_REASON,
        )
