"""The authorization matrix: every route of the app, every role, the expected status.

Every (endpoint, method) in ``app.url_map`` must have a row in ``MATRIX`` below; a route
without one fails ``test_every_route_is_in_the_matrix`` with the line to add. So a new
route cannot slip in without someone deciding, in writing, who may call it.

A row is the status each role gets, in the order of ``ROLES`` (see tests/security/world.py):

    anon  researcher  enterprise  broker  other  operator

The researcher owns the listings and is the supplier in the deals; the enterprise member
owns the demands and is the buyer; "other" has the owner's role in another organization;
the broker is a verified broker, a stranger to the listings, demands and the first two
deals but the active broker of ``deal_brokered`` and ``deal_done`` and invited to
``deal_invited`` (world.py). Each row names its target (a draft, a pending item, a
deal…) and sends a *valid* body, so a status reflects the permission check, not input
validation. Each role runs against a fresh world whenever the previous request changed it.

Status words: pages send anonymous visitors to the login page (302); the API answers 401.
Things a user may not see are 404 (not 403), so their existence does not leak. A page form
that is refused after a redirect (the deal and workflow forms go back to the page with the
reason in an error message) is written ``303!``: the status, and an error flash.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask

from tests.conftest import PASSWORD, demand_payload, empty_all_tables, listing_payload
from tests.security.world import ROLES, World, fresh_world
from tests.views.conftest import demand_form, listing_form

Body = dict[str, Any] | Callable[[World], dict[str, Any]] | None


@dataclass(frozen=True)
class Case:
    expect: tuple[str, ...]
    args: dict[str, Any] = field(default_factory=dict)
    json: Body = None
    form: Body = None
    upload: bool = False

    def url(self, app: Flask, endpoint: str, world: World) -> str:
        values = {}
        for name, value in self.args.items():
            if isinstance(value, str) and value.startswith("@"):
                value = (
                    getattr(world, value[1:])
                    if value in ("@reset_token", "@registration_token", "@invitation_token")
                    else world.ids[value[1:]]
                )
            values[name] = value
        with app.test_request_context():
            from flask import url_for

            return url_for(endpoint, **values)


def case(expect: str, **kw: Any) -> Case:
    """``expect`` is six statuses in ROLES order, e.g. "302 200 404 404 404 200"."""
    codes = tuple(expect.split())
    assert len(codes) == len(ROLES), expect
    return Case(codes, **kw)


# Common rows.
EVERYONE = "200 200 200 200 200 200"
PAGE_FOR_MEMBERS = "302 200 200 200 200 403"  # needs an organization; operators have none
PAGE_FOR_OPERATORS = "302 403 403 403 403 200"
API_FOR_USERS = "401 200 200 200 200 200"
API_FOR_OPERATORS = "401 403 403 403 403 200"

LISTING_PAGE = {"item_id": "@listing_draft"}
DEMAND_PAGE = {"item_id": "@demand_draft"}
DEAL = {"deal_id": "@deal"}
AGREED = {"deal_id": "@deal_agreed"}
MILESTONE = {"deal_id": "@deal", "milestone_id": "@milestone"}
BROKER = {"broker_id": "@broker"}
PENDING_BROKER = {"broker_id": "@broker3"}
BROKERED = {"deal_id": "@deal_brokered"}  # in inquiry, the broker active
DONE = {"deal_id": "@deal_done"}  # completed, the broker active, two brokerage entries
SHARED_RECORD = {"record_id": "@record_shared"}
PRIVATE_RECORD = {"record_id": "@record_private"}
RECORD_FILE = {"record_id": "@record_shared", "attachment_id": "@record_file"}
NOTIFICATION = {"notification_id": "@notification"}  # the researcher's
SAVED = {"saved_id": "@saved_search"}  # the researcher's
LOT = {"lot_id": "@lot"}  # admitted, open; the enterprise's deposit held
LOT_APPLIED = {"lot_id": "@lot_applied"}  # the researcher's application, undecided
AUCTION_SESSION = {
    "title": "人工智能专场",
    "domain": "ai",
    "starts_at": "2030-01-01T09:00:00+08:00",
    "ends_at": "2030-01-01T17:00:00+08:00",
}
AUCTION_LOT = {
    "transfer_mode": "assignment",
    "start_price": 200_000_000,
    "ladder": [{"below": None, "step": 10_000_000}],
    "deposit": 20_000_000,
}
VOUCHER_PROGRAMME = {"programme_id": "@voucher_programme"}
VOUCHER_APPLICATION = {"application_id": "@voucher_application"}
PROGRAMME = {
    "name": "科技创新券 2031",
    "issuing_body": "宁波市科学技术局",
    "budget": 10_000_000,
    "reference": "BUREAU-9",
    "per_application_cap": 2_000_000,
    "per_year_cap": 10_000_000,
    "valid_from": "2030-01-01",
    "valid_to": "2030-12-31",
}
PROGRAMME_FORM = {
    "name": "科技创新券 2031",
    "issuing_body": "宁波市科学技术局",
    "budget": "100000",
    "reference": "BUREAU-9",
    "per_application_cap": "20000",
    "per_year_cap": "100000",
    "valid_from": "2030-01-01",
    "valid_to": "2030-12-31",
    "max_share_pct": "50",
    "supplier_kinds": "university",
}
CHALLENGE = {
    "title": "耐高温稀土永磁材料",
    "statement": "矫顽力不低于 20 kOe",
    "domain": "rare_earth_magnets",
    "bounty": 1_000_000,
    "proposal_deadline": "2030-01-01T09:00:00+08:00",
    "delivery_days": 90,
    "indicators": [{"name": "矫顽力", "target_value": "20", "unit": "kOe"}],
}
CHALLENGE_FORM = {
    "title": "耐高温稀土永磁材料",
    "statement": "矫顽力不低于 20 kOe",
    "domain": "rare_earth_magnets",
    "bounty": "10000",
    "proposal_deadline": "2030-01-01",
    "delivery_days": "90",
    "ind_name_0": "矫顽力",
    "ind_target_0": "20",
}
CHALLENGE_OPEN = {"challenge_id": "@challenge"}  # open, summary public, the researcher proposed
CHALLENGE_DRAFT = {"challenge_id": "@challenge_draft"}
AWAITING = {"challenge_id": "@challenge_awaiting"}  # approved, the bounty not yet paid
EVALUATING = {"challenge_id": "@challenge_evaluating"}  # the researcher's proposal undecided
PROPOSAL = {"proposal_id": "@proposal"}  # the researcher's, on CHALLENGE_OPEN
U1 = {"org_id": "@org"}  # the researcher administers it
U1_MEMBER = {"org_id": "@org", "user_id": "@member"}
U1_DOCUMENT = {"org_id": "@org", "document_id": "@org_document"}
U1_ADMIN_API = "401 200 404 404 404 200"
# Only the one user it belongs to (here the researcher), whatever their role.
OWNER_ONLY = "401 200 404 404 404 404"
PAGE_OWNER_ONLY = "302 200 404 404 404 404"
PAGE_FOR_USERS = "302 200 200 200 200 200"

TERMS_FORM = {
    "price": "10000",
    "currency": "CNY",
    "transfer_mode": "license_exclusive",
    "note": "",
    "milestones-0-title": "交付",
    "milestones-0-amount": "10000",
    "milestones-0-due_date": "",
}
TERMS_JSON = {
    "price": 1_000_000,
    "currency": "CNY",
    "transfer_mode": "license_exclusive",
    "milestones": [{"title": "交付", "amount": 1_000_000, "due_date": None}],
}
PROFILE = {
    "certificate_number": "JJR-0001",
    "display_name": "王经纪",
    "domains": ["new_energy"],
    "regions": ["宁波"],
    "languages": ["zh"],
    "bio": "十年技术转移经验。",
}
PROFILE_FORM = {
    "certificate_number": "JJR-0001",
    "display_name": "王经纪",
    "domains": "new_energy",
    "regions": "宁波、杭州",
    "languages": "zh",
    "bio": "十年技术转移经验。",
}
RECORD_JSON = {
    "kind": "meeting",
    "occurred_at": "2026-01-05T09:30:00+08:00",
    "participants": ["李工"],
    "notes": "现场讨论了样品指标。",
    "visibility": "shared",
}
RECORD_FORM = {
    "kind": "meeting",
    "occurred_at": "2026-01-05T09:30",
    "participants": "李工",
    "notes": "现场讨论了样品指标。",
    "visibility": "shared",
}
BANK_ACCOUNT = {
    "bank": "中国银行宁波分行",
    "account_holder": "华中科技大学",
    "account_number": "6222",
}
SAVED_SEARCH = {"name": "新的搜索", "doc_type": "listings", "query": {"q": "电池"}}
REGISTER = {
    "email": "new.person@example.org",
    "password": "long-enough-pw",
    "display_name": "新人",
    "role": "researcher",
    "organization_name": "新的研究所",
    "organization_kind": "institute",
}


def broker_login(world: World) -> dict[str, str]:
    return {"email": world.users["broker"].email, "password": PASSWORD}


MATRIX: dict[tuple[str, str], list[Case]] = {
    # ------------------------------------------------------------------ views: public
    #                                               anon res ent brk oth op
    ("views.home", "GET"): [case(EVERYONE)],
    ("views.listings", "GET"): [case(EVERYONE)],
    # Auctions: public pages; registering and bidding are refused with the reason except
    # for the enterprise member (registered, deposit held).
    ("views.auctions", "GET"): [case(EVERYONE)],
    ("views.auction_results", "GET"): [case(EVERYONE)],
    ("views.auction_lot", "GET"): [
        case(EVERYONE, args=LOT),
        case("404 200 404 404 404 200", args=LOT_APPLIED),
    ],
    ("views.auction_lot_live", "GET"): [
        case(EVERYONE, args=LOT),
        case("404 200 404 404 404 200", args=LOT_APPLIED),
    ],
    ("views.auction_register", "POST"): [case("302 303! 303 303! 303! 303!", args=LOT)],
    # Nobody in the world has a deposit awaiting payment with Stripe configured: refused
    # with the reason (the enterprise's is held, the others have no registration).
    ("views.auction_card_deposit", "POST"): [case("302 303! 303! 303! 303! 303!", args=LOT)],
    ("views.operator_auction_deposits", "GET"): [case(PAGE_FOR_OPERATORS)],
    # Challenges (揭榜挂帅): the hall and open challenges are public; drafts, funding and
    # evaluation are the posting enterprise's; proposals are the proposing researcher's,
    # the poster's and the operators' (404 to other solvers: not even that they exist).
    ("views.challenges", "GET"): [case(EVERYONE)],
    ("views.challenge_detail", "GET"): [
        case(EVERYONE, args=CHALLENGE_OPEN),
        case("404 404 200 404 404 200", args=CHALLENGE_DRAFT),
    ],
    ("views.challenge_new", "GET"): [case("302 403 200 403 403 200")],
    ("views.challenge_new", "POST"): [
        case("302 403 303 403 403 303!", form=lambda w: CHALLENGE_FORM)
    ],
    ("views.challenge_action", "POST"): [
        case("302 404 303 404 404 303", args=CHALLENGE_DRAFT | {"action": "submit"}),
        case("302 303 303 303 303 303", args=CHALLENGE_OPEN | {"action": "nda"}),
        case(
            "302 303! 303 303! 303! 303",
            args=CHALLENGE_OPEN | {"action": "withdraw"},
            form={"reason": "预算取消"},
        ),
        case(
            "302 404 303! 404 404 303",
            args={"challenge_id": "@challenge_pending", "action": "approve"},
        ),
        case(
            "302 303! 303 303! 303! 303!",
            args={"challenge_id": "@challenge_due", "action": "close"},
        ),
        case(
            "302 303! 303 303! 303! 303",
            args=EVALUATING | {"action": "decline"},
            form={"reason": "均未达到指标"},
        ),
    ],
    ("views.challenge_funding", "GET"): [case("302 404 200 404 404 200", args=AWAITING)],
    ("views.challenge_review", "GET"): [case(PAGE_FOR_OPERATORS)],
    ("views.challenge_confirm_funding", "POST"): [
        case(
            "302 403 403 403 403 303",
            args=AWAITING,
            form=lambda w: {
                "reference": f"CH{w.ids['challenge_awaiting']:06d}",
                "amount": "10000",
            },
        )
    ],
    ("views.my_challenges", "GET"): [case(PAGE_FOR_USERS)],
    # 创新券 pages: the programmes are public; applying is for verified enterprises (the
    # others are refused after the redirect); operators define, decide and redeem.
    ("views.vouchers", "GET"): [case(EVERYONE)],
    ("views.my_vouchers", "GET"): [case(PAGE_FOR_USERS)],
    ("views.voucher_apply", "GET"): [case(PAGE_FOR_USERS, args=VOUCHER_PROGRAMME)],
    ("views.voucher_apply", "POST"): [
        case(
            "302 303! 303 303! 303! 303!",
            args=VOUCHER_PROGRAMME,
            form={"amount": "1000", "purpose": "技术服务"},
        )
    ],
    ("views.deal_voucher_funding", "POST"): [
        case(
            "302 303! 303! 404 404 303!",
            args=AGREED,
            form=lambda w: {"programme_id": str(w.ids["voucher_programme"]), "voucher_amount": "1"},
        )
    ],
    ("views.operator_vouchers", "GET"): [case(PAGE_FOR_OPERATORS)],
    ("views.operator_vouchers", "POST"): [
        case("302 403 403 403 403 303", form=lambda w: PROGRAMME_FORM)
    ],
    ("views.operator_voucher_queue", "GET"): [case(PAGE_FOR_OPERATORS)],
    ("views.operator_voucher_decide", "POST"): [
        case(
            "302 403 403 403 403 303",
            args=VOUCHER_APPLICATION | {"action": "grant"},
            form={"amount": ""},
        )
    ],
    ("views.operator_voucher_redemption", "GET"): [case(PAGE_FOR_OPERATORS)],
    # Behind the NDA: solvers are sent back to accept it first.
    ("views.challenge_propose", "GET"): [case("302 303 200 303 303 200", args=CHALLENGE_OPEN)],
    ("views.challenge_propose", "POST"): [
        case(
            "302 303 303! 303 303 303!", args=CHALLENGE_OPEN, form={"approach": "甲", "price": "1"}
        )
    ],
    ("views.challenge_evaluate", "GET"): [case("302 404 200 404 404 404", args=CHALLENGE_OPEN)],
    ("views.challenge_award", "POST"): [
        case(
            "302 404 303 404 404 404",
            args=EVALUATING,
            form=lambda w: {f"win_{w.ids['proposal_evaluating']}": "1"},
        )
    ],
    ("views.proposal_action", "POST"): [
        case("302 303! 303 404 404 303!", args=PROPOSAL | {"action": "shortlist"}),
        case(
            "302 303! 303 404 404 303!",
            args=PROPOSAL | {"action": "reject"},
            form={"reason": "方案不可行"},
        ),
        case(
            "302 303! 303 404 404 303!",
            args=PROPOSAL | {"action": "ask"},
            form={"question": "团队几人？"},
        ),
        case(
            "302 303! 303 404 404 303!",
            args=PROPOSAL | {"action": "score"},
            form={"score_技术路线": "80"},
        ),
    ],
    ("views.challenge_proposal", "GET"): [case("302 200 200 404 404 200", args=PROPOSAL)],
    # A proposal's files: its team attaches them; its readers (the team, the poster,
    # operators) download them; to anyone else the proposal does not exist.
    ("views.proposal_file_upload", "POST"): [
        case("302 303 303! 404 404 303!", args=PROPOSAL, upload=True)
    ],
    ("views.proposal_file", "GET"): [
        case("302 200 200 404 404 200", args=PROPOSAL | {"file_id": "@proposal_file"})
    ],
    ("views.question_answer", "POST"): [
        case("302 303 404 404 404 404", args={"question_id": "@question"}, form={"answer": "五人"})
    ],
    ("views.operator_confirm_deposit", "POST"): [
        case(
            "302 403 403 403 403 303",
            args={"registration_id": "@registration_pending"},
            form=lambda w: {"reference": w.ids["deposit_reference"], "amount": "200000"},
        )
    ],
    ("views.auction_bid", "POST"): [
        case("302 303! 303 303! 303! 303!", args=LOT, form={"amount": "2000000"})
    ],
    # The auction back office (operators) and the seller's application from its listing.
    ("views.operator_auctions", "GET"): [case(PAGE_FOR_OPERATORS)],
    ("views.operator_schedule_session", "POST"): [
        case(
            "302 403 403 403 403 303",
            form={
                "title": "人工智能专场",
                "domain": "ai",
                "starts_at": "2030-01-01T09:00",
                "ends_at": "2030-01-01T17:00",
            },
        )
    ],
    ("views.operator_decide_lot", "POST"): [
        case("302 403 403 403 403 303", args=LOT_APPLIED | {"action": "admit"}),
        case("302 403 403 403 403 303", args=LOT_APPLIED | {"action": "reject"}),
    ],
    ("views.listing_auction_apply", "GET"): [
        case("302 200 403 403 403 403", args={"item_id": "@listing_to_apply"})
    ],
    ("views.listing_auction_apply", "POST"): [
        case(
            "302 303 403 403 403 403",
            args={"item_id": "@listing_to_apply"},
            form=lambda w: {
                "session_id": str(w.ids["auction_upcoming"]),
                "transfer_mode": "assignment",
                "start_price": "2000000",
                "step": "100000",
                "deposit": "200000",
                "extension_minutes": "5",
                "forfeit_seller_pct": "50",
            },
        )
    ],
    ("views.demands", "GET"): [case(EVERYONE)],
    ("views.search", "GET"): [case(EVERYONE)],
    ("views.search_demands", "GET"): [case(EVERYONE)],
    ("views.listing_detail", "GET"): [
        case(EVERYONE, args={"item_id": "@listing_published"}),
        case("404 200 404 404 404 200", args=LISTING_PAGE),  # a draft
    ],
    ("views.demand_detail", "GET"): [
        case(EVERYONE, args={"item_id": "@demand_published"}),
        case("404 404 200 404 404 200", args=DEMAND_PAGE),
    ],
    ("static", "GET"): [case(EVERYONE, args={"filename": "css/app.css"})],
    ("views.statistics", "GET"): [case(EVERYONE), case(EVERYONE, args={"period": "2026Q4"})],
    ("views.statistics_download", "GET"): [
        case(EVERYONE, args={"key": "by_domain", "fmt": "csv", "period": "all"})
    ],
    ("views.operator_dashboard", "GET"): [
        case(PAGE_FOR_OPERATORS),
        case(
            PAGE_FOR_OPERATORS, args={"period": "2026Q4", "domain": "new_energy", "region": "宁波"}
        ),
    ],
    ("views.operator_dashboard_download", "GET"): [
        case(PAGE_FOR_OPERATORS, args={"key": "funnel", "fmt": "csv", "period": "all"}),
        case(PAGE_FOR_OPERATORS, args={"key": "brokers", "fmt": "xlsx", "domain": "new_energy"}),
    ],
    ("views.listing_analytics", "GET"): [
        case("302 200 403 403 403 200", args={"item_id": "@listing_published"}),
        case("302 200 404 404 404 200", args=LISTING_PAGE),  # a draft
    ],
    ("views.demand_analytics", "GET"): [
        case("302 403 200 403 403 200", args={"item_id": "@demand_published"}),
        case("302 404 200 404 404 200", args=DEMAND_PAGE),
    ],
    # ------------------------------------------------------------------ views: accounts
    ("views.login", "GET"): [case("200 302 302 302 302 302")],  # logged in: go on
    ("views.login", "POST"): [case("303 303 303 303 303 303", form=broker_login)],
    ("views.register", "GET"): [case(EVERYONE)],
    ("views.register", "POST"): [
        case("303 303 303 303 303 303", form=REGISTER | {"organization_kind": "institute"})
    ],
    ("views.logout", "POST"): [case("303 303 303 303 303 303")],
    # The second factor (nobody in the world has one): the login's code page without a
    # password first sends back to the login; set-up is each user's own.
    ("views.login_second_factor", "GET"): [case("302 302 302 302 302 302")],
    ("views.login_second_factor", "POST"): [case("303 303 303 303 303 303", form={"code": "1"})],
    ("views.second_factor", "GET"): [case("302 200 200 200 200 200")],
    ("views.second_factor_enrol", "POST"): [case("302 200 200 200 200 200")],
    ("views.second_factor_confirm", "POST"): [  # nothing begun: back to the page
        case("302 303 303 303 303 303", form={"code": "123456"})
    ],
    ("views.second_factor_recovery_codes", "POST"): [  # none set up: a form error
        case("302 422 422 422 422 422", form={"code": "123456"})
    ],
    ("views.second_factor_disable", "POST"): [
        case("302 422 422 422 422 422", form={"password": PASSWORD, "code": "123456"})
    ],
    ("views.operator_audit", "GET"): [case("302 403 403 403 403 200")],
    ("views.confirm_registration", "GET"): [case(EVERYONE, args={"token": "@registration_token"})],
    ("views.confirm_registration", "POST"): [
        case("303 303 303 303 303 303", args={"token": "@registration_token"})
    ],
    ("views.forgot_password", "GET"): [case(EVERYONE)],
    ("views.forgot_password", "POST"): [
        case("303 303 303 303 303 303", form={"email": "x@example.org"})
    ],
    ("views.reset_password", "GET"): [case(EVERYONE, args={"token": "@reset_token"})],
    ("views.reset_password", "POST"): [
        case(
            "303 303 303 303 303 303",
            args={"token": "@reset_token"},
            form={"password": "new-password-1", "password_confirm": "new-password-1"},
        )
    ],
    # An operator has no organization: the page says so, the request goes back to it.
    ("views.my_organization", "GET"): [case("302 200 200 200 200 200")],
    # "other" asked already (world.py): a second request is a conflict; the enterprise is
    # verified (it bids at auction): asking again is a conflict too.
    ("views.request_verification", "POST"): [case("302 303 409 303 409 303")],
    # Members give their organization's credit code; an operator has none (back to the page).
    ("views.organization_credit_code", "POST"): [
        case("302 303 303! 303 303 303", form={"credit_code": "91350100M000100Y43"})
    ],
    ("views.import_records", "GET"): [case(PAGE_FOR_MEMBERS)],
    ("views.import_records", "POST"): [
        case(PAGE_FOR_MEMBERS, form={"kind": "listings"}, upload=True)
    ],
    # ------------------------------------------------------------------ views: members
    # The page's forms act on one's own organization (operators have none: 404); another
    # organization's member, invitation or request is a 404 too.
    ("views.member_role", "POST"): [
        case("302 303 404 404 404 404", args={"user_id": "@member"}, form={"role": "admin"})
    ],
    ("views.member_remove", "POST"): [case("302 303 404 404 404 404", args={"user_id": "@member"})],
    # Each role administers its own organization and invites to it.
    ("views.invite_member", "POST"): [
        case("302 303 303 303 303 404", form={"email": "x@example.org", "role": "member"})
    ],
    ("views.revoke_member_invitation", "POST"): [
        case("302 303 404 404 404 404", args={"invitation_id": "@org_invitation"})
    ],
    ("views.invitation", "GET"): [case(EVERYONE, args={"token": "@invitation_token"})],
    ("views.invitation", "POST"): [
        case(
            "303 303 303 303 303 303",
            args={"token": "@invitation_token"},
            form={"action": "decline"},
        ),
        # Accepting: anonymous creates the invited account; everyone logged in is another
        # address (the page says so).
        case(
            "303 403 403 403 403 403",
            args={"token": "@invitation_token"},
            form={
                "action": "accept",
                "display_name": "受邀人",
                "password": "long-enough-pw",
                "role": "researcher",
            },
        ),
    ],
    ("views.join_organization", "POST"): [
        case(
            "302 303! 303! 303! 303! 303!",
            form=lambda w: {"organization_name": w.users["researcher"].organization.name},
        )
    ],
    ("views.withdraw_join", "POST"): [
        case("302 404 404 404 404 404", args={"request_id": "@join_request"})
    ],
    ("views.decide_join", "POST"): [
        case(
            "302 303 404 404 404 404",
            args={"request_id": "@join_request", "decision": "decline"},
            form={"reason": "不认识"},
        )
    ],
    ("views.upload_organization_document", "POST"): [
        case("302 303 303 303 303 404", form={"kind": "business_licence"}, upload=True)
    ],
    ("views.organization_document", "GET"): [case("302 200 404 404 404 200", args=U1_DOCUMENT)],
    # ------------------------------------------------------------------ views: listings
    ("views.listing_new", "GET"): [case(PAGE_FOR_MEMBERS)],
    ("views.listing_new", "POST"): [case("302 303 303 303 303 403", form=listing_form())],
    ("views.listing_edit", "GET"): [case("302 200 404 404 404 403", args=LISTING_PAGE)],
    ("views.listing_edit", "POST"): [
        case("302 303 404 404 404 403", args=LISTING_PAGE, form=listing_form())
    ],
    ("views.listing_delete", "POST"): [case("302 303 404 404 404 403", args=LISTING_PAGE)],
    ("views.listing_action", "POST"): [
        case("302 303 404 404 404 403", args=LISTING_PAGE | {"action": "submit"}),
        case(
            "302 403 404 404 404 303",
            args={"item_id": "@listing_pending_review", "action": "publish"},
        ),
        case(
            "302 303 403 403 403 403",
            args={"item_id": "@listing_published", "action": "close"},
        ),
    ],
    # ------------------------------------------------------------------ views: demands
    ("views.demand_new", "GET"): [case(PAGE_FOR_MEMBERS)],
    ("views.demand_new", "POST"): [case("302 303 303 303 303 403", form=demand_form())],
    ("views.demand_edit", "GET"): [case("302 404 200 404 404 403", args=DEMAND_PAGE)],
    ("views.demand_edit", "POST"): [
        case("302 404 303 404 404 403", args=DEMAND_PAGE, form=demand_form())
    ],
    ("views.demand_delete", "POST"): [case("302 404 303 404 404 403", args=DEMAND_PAGE)],
    ("views.demand_action", "POST"): [
        case("302 404 303 404 404 403", args=DEMAND_PAGE | {"action": "submit"}),
        case(
            "302 404 403 404 404 303",
            args={"item_id": "@demand_pending_review", "action": "reject"},
            form={"reason": "信息不全"},
        ),
    ],
    # ------------------------------------------------------------------ views: review
    ("views.review", "GET"): [case(PAGE_FOR_OPERATORS)],
    ("views.verify_organization", "POST"): [
        case(
            "302 403 403 403 403 303",
            args={"org_id": "@org_other", "action": "verify"},
            form={"note": ""},
        )
    ],
    # ------------------------------------------------------------------ views: deals
    ("views.my_deals", "GET"): [case("302 200 200 200 200 200")],
    ("views.deal", "GET"): [case("302 200 200 404 404 200", args=DEAL)],
    ("views.open_deal", "POST"): [
        case(
            "302 303! 303 303! 303! 303!",
            form=lambda w: {"listing_id": str(w.ids["listing_published"]), "message": "你好"},
        )
    ],
    ("views.deal_message", "POST"): [
        case("302 303 303 404 404 303", args=DEAL, form={"body": "进展如何？"})
    ],
    ("views.deal_attachment_upload", "POST"): [
        case("302 303 303 404 404 303", args=DEAL, upload=True)
    ],
    ("views.deal_attachment", "GET"): [
        case("302 200 200 404 404 200", args=DEAL | {"attachment_id": "@attachment"})
    ],
    ("views.deal_contract", "GET"): [
        case("302 200 200 404 404 200", args=DEAL),
        case("302 200 200 200 404 200", args=DONE),  # the deal's broker too
    ],
    ("views.deal_registration", "GET"): [
        case("302 200 200 404 404 200", args=DEAL | {"fmt": "pdf"}),
        case("302 200 200 200 404 200", args=DONE | {"fmt": "xlsx"}),
    ],
    # Operators mediate: they may write in the thread, add files and cancel; the parties'
    # own steps (terms, paying, accepting) are refused to them with a reason.
    ("views.deal_propose_terms", "POST"): [
        case("302 303! 303! 404 404 303!", args=DEAL, form=TERMS_FORM)  # in progress: too late
    ],
    ("views.deal_confirm_terms", "POST"): [
        case(
            "302 303! 303! 404 404 303!",
            args=AGREED,
            form=lambda w: {"terms_hash": w.terms_hash},  # both confirmed already
        )
    ],
    ("views.deal_request_funding", "POST"): [case("302 303! 303 404 404 303!", args=AGREED)],
    ("views.deal_start", "POST"): [case("302 303! 303! 404 404 303!", args=DEAL)],
    ("views.deal_accept_milestone", "POST"): [case("302 303! 303 404 404 303!", args=MILESTONE)],
    # The world's milestone is delivered already: delivering it again is refused.
    ("views.deal_deliver_milestone", "POST"): [
        case("302 303! 303! 404 404 303!", args=MILESTONE, form={"note": "交付说明"})
    ],
    # The deal's broker arbitrates on the page when the terms allow it (tests/views/
    # test_broker_pages.py); on this deal nobody may: no dispute, no broker.
    ("views.deal_resolve_dispute", "POST"): [
        case("302 303! 303! 404 404 303!", args=MILESTONE, form={"outcome": "refund", "note": ""})
    ],
    ("views.deal_reject_milestone", "POST"): [
        case("302 303! 303 404 404 303!", args=MILESTONE, form={"reason": "缺少报告"})
    ],
    ("views.deal_dispute_milestone", "POST"): [
        case("302 303! 303 404 404 303!", args=MILESTONE, form={"reason": "样品不合格"})
    ],
    ("views.deal_cancel", "POST"): [
        case("302 303 303 404 404 303", args=AGREED, form={"reason": ""}),
    ],
    # A funded deal: a party proposes, the other answers; with no open proposal an answer
    # is refused with the reason (the parties), operators never answer.
    ("views.deal_propose_cancellation", "POST"): [
        case("302 303 303 404 404 303!", args=DEAL, form={"reason": "不做了"}),
    ],
    ("views.deal_answer_cancellation", "POST"): [
        case("302 303! 303! 404 404 303!", args=DEAL | {"answer": answer}, form={"reason": ""})
        for answer in ("accept", "decline", "withdraw")
    ],
    ("views.operator_funding", "GET"): [case(PAGE_FOR_OPERATORS)],
    ("views.operator_confirm_funding", "POST"): [
        case(
            "302 403 403 403 403 303",
            args={"funding_id": "@funding"},
            form=lambda w: {"reference": w.funding_reference, "amount": "10,000"},
        )
    ],
    ("views.operator_payouts", "GET"): [case(PAGE_FOR_OPERATORS)],
    ("views.operator_execute_payout", "POST"): [
        case("302 403 403 403 403 303", args={"payout_id": "@payout"}, form={"reference": "B-1"})
    ],
    ("views.operator_disputes", "GET"): [case(PAGE_FOR_OPERATORS)],
    ("views.operator_resolve_dispute", "POST"): [
        case("302 403 403 403 403 303!", args=MILESTONE, form={"outcome": "refund"})
    ],
    # ------------------------------------------------------------------ views: brokers
    ("views.broker_directory", "GET"): [case(EVERYONE)],
    ("views.broker_profile", "GET"): [
        case(EVERYONE, args=BROKER),
        case("404 404 404 404 404 200", args=PENDING_BROKER),  # not verified yet
    ],
    # Any user may open the page (it explains the role); only brokers keep a profile.
    ("views.my_broker_profile", "GET"): [case(PAGE_FOR_USERS)],
    ("views.my_broker_profile", "POST"): [case("302 303! 303! 303 303! 303!", form=PROFILE_FORM)],
    ("views.my_earnings", "GET"): [case(PAGE_FOR_USERS)],  # one's own (empty) statement
    ("views.operator_broker_earnings", "GET"): [case(PAGE_FOR_OPERATORS, args=BROKER)],
    ("views.operator_brokers", "GET"): [case(PAGE_FOR_OPERATORS)],
    ("views.operator_review_broker", "POST"): [
        case(
            "302 403 403 403 403 303",
            args={"profile_id": "@profile_pending"},
            form={"decision": "verify", "reason": ""},
        )
    ],
    ("views.operator_broker_ranking", "GET"): [case(PAGE_FOR_OPERATORS)],
    # ------------------------------------------------------------------ views: brokers on deals
    # Parties invite (while the deal is open); the invited broker answers.
    ("views.invite_broker", "POST"): [
        case(
            "302 303 303 404 404 303!",
            args={"broker_id": "@broker2"},
            form=lambda w: {"deal_id": str(w.ids["deal_invited"]), "message": "请协助"},
        )
    ],
    ("views.answer_broker_invitation", "POST"): [
        case(
            "302 303! 303! 303 303! 303!",
            args={"assignment_id": "@invitation", "answer": "accept"},
        )
    ],
    ("views.deal_release_broker", "POST"): [case("302 303 303 303! 404 303!", args=BROKERED)],
    # The broker offers to mediate; the item's owner decides; the broker may withdraw.
    ("views.offer_mediation", "POST"): [
        case(
            "302 303! 303! 303 303! 303!",
            form=lambda w: {"listing_id": str(w.ids["listing_published"]), "message": "我来"},
        )
    ],
    ("views.mediation_offers", "GET"): [case(PAGE_FOR_USERS)],  # offers on one's own items
    ("views.decide_mediation_offer", "POST"): [
        case(
            "302 303! 303 303! 303! 303!",
            args={"offer_id": "@offer", "decision": "accept"},
            form={"reason": ""},
        ),
        case("302 303! 303! 303 303! 303!", args={"offer_id": "@offer", "decision": "withdraw"}),
    ],
    # Brokerage records: written by the deal's broker; shared entries seen by the parties,
    # private ones by the broker and operators only; nothing for strangers.
    ("views.deal_add_record", "POST"): [
        case("302 303! 303! 303 404 303!", args=DONE, form=RECORD_FORM)
    ],
    ("views.brokerage_record", "GET"): [
        case("302 200 200 200 404 200", args=SHARED_RECORD),
        case("302 404 404 200 404 200", args=PRIVATE_RECORD),
    ],
    ("views.brokerage_record", "POST"): [
        case("302 303! 303! 303 404 303!", args=SHARED_RECORD, form=RECORD_FORM),
        case("302 404 404 303 404 303!", args=PRIVATE_RECORD, form=RECORD_FORM),
    ],
    ("views.brokerage_record_upload", "POST"): [
        case("302 303! 303! 303 303! 303!", args=SHARED_RECORD, upload=True)
    ],
    ("views.brokerage_record_download", "GET"): [case("302 200 200 200 404 200", args=RECORD_FILE)],
    ("views.deal_rate_broker", "POST"): [
        case("302 303 303 303! 404 303!", args=DONE, form={"score": "5", "comment": "好"})
    ],
    # ------------------------------------------------------------------ views: payout accounts
    ("views.operator_payout_account", "POST"): [
        case(
            "302 403 403 403 403 303",
            args={"org_id": "@org"},
            form={"stripe_account_id": "acct_1Matrix"},
        )
    ],
    ("views.operator_payout_bank_account", "POST"): [
        case("302 403 403 403 403 303", args={"org_id": "@org"}, form=BANK_ACCOUNT)
    ],
    # ------------------------------------------------------------------ views: notifications
    ("views.notifications", "GET"): [case(PAGE_FOR_USERS)],  # one's own
    ("views.todos", "GET"): [case(PAGE_FOR_USERS)],  # one's own to-dos
    ("views.notification_open", "GET"): [case("302 303 404 404 404 404", args=NOTIFICATION)],
    ("views.notification_read", "POST"): [case("302 303 404 404 404 404", args=NOTIFICATION)],
    ("views.notifications_read_all", "POST"): [case("302 303 303 303 303 303")],
    ("views.notification_preferences", "GET"): [case(PAGE_FOR_USERS)],
    ("views.notification_preferences", "POST"): [
        case("302 303 303 303 303 303", form={"match_alerts": "on"})
    ],
    ("views.saved_searches_page", "GET"): [case(PAGE_FOR_USERS)],
    ("views.saved_search_create", "POST"): [
        case("302 303 303 303 303 303", form={"doc_type": "listings", "q": "电池", "name": "新的"})
    ],
    ("views.saved_search_detail", "GET"): [case(PAGE_OWNER_ONLY, args=SAVED)],
    ("views.saved_search_alerts", "POST"): [
        case("302 303 404 404 404 404", args=SAVED, form={"alerts": "on"})
    ],
    ("views.saved_search_delete", "POST"): [case("302 303 404 404 404 404", args=SAVED)],
    # ------------------------------------------------------------------ API: docs
    ("api-docs.openapi_json", "GET"): [case(EVERYONE)],
    ("api-docs.openapi_swagger_ui", "GET"): [case(EVERYONE)],
    ("swagger_static", "GET"): [case(EVERYONE, args={"filename": "swagger-ui.css"})],
    # ------------------------------------------------------------------ API: accounts
    ("auth.login", "POST"): [case(EVERYONE, json=broker_login)],
    ("auth.logout", "POST"): [case("204 204 204 204 204 204")],
    ("auth.register", "POST"): [case("202 202 202 202 202 202", json=REGISTER)],
    ("auth.confirm_registration", "POST"): [
        case("200 200 200 200 200 200", json=lambda w: {"token": w.registration_token})
    ],
    ("auth.me", "GET"): [case(API_FOR_USERS)],
    ("auth.change_password", "POST"): [
        case(
            "401 200 200 200 200 200",
            json={"current_password": PASSWORD, "new_password": "a-new-password-1"},
        )
    ],
    ("auth.list_sessions", "GET"): [case(API_FOR_USERS)],
    ("audit.search", "GET"): [case(API_FOR_OPERATORS)],
    ("auth.verify", "POST"): [case("401 204 204 204 204 204", json={"password": PASSWORD})],
    ("auth.end_all_sessions", "DELETE"): [case("401 204 204 204 204 204")],
    ("auth.end_one_session", "DELETE"): [
        case("401 204 404 404 404 404", args={"session_id": "@login_session"})
    ],
    ("auth.list_tokens", "GET"): [case(API_FOR_USERS)],
    ("auth.login_second_factor", "POST"): [  # no password first: nobody to finish
        case("401 401 401 401 401 401", json={"code": "123456"})
    ],
    ("auth.second_factor_status", "GET"): [case(API_FOR_USERS)],
    ("auth.second_factor_begin", "POST"): [case("401 201 201 201 201 201")],
    ("auth.second_factor_confirm", "POST"): [  # nothing begun
        case("401 422 422 422 422 422", json={"code": "123456"})
    ],
    ("auth.second_factor_recovery_codes", "POST"): [  # none set up
        case("401 422 422 422 422 422", json={"code": "123456"})
    ],
    ("auth.second_factor_disable", "POST"): [
        case("401 422 422 422 422 422", json={"password": PASSWORD, "code": "123456"})
    ],
    ("auth.create_token", "POST"): [case("401 201 201 201 201 201", json={"name": "ci"})],
    ("auth.revoke_token", "DELETE"): [case("401 204 404 404 404 404", args={"token_id": "@token"})],
    ("password_reset.request_reset", "POST"): [
        case("202 202 202 202 202 202", json={"email": "x@example.org"})
    ],
    ("password_reset.confirm_reset", "POST"): [
        case(
            "204 204 204 204 204 204",
            json=lambda w: {"token": w.reset_token, "password": "new-password-1"},
        )
    ],
    # ------------------------------------------------------------------ API: organizations
    ("organizations.list_organizations", "GET"): [case(EVERYONE)],
    ("organizations.get_organization", "GET"): [case(EVERYONE, args={"org_id": "@org"})],
    ("organizations.create_organization", "POST"): [
        case("401 403 403 403 403 201", json={"name": "新机构", "kind": "institute"})
    ],
    ("organizations.update_organization", "PATCH"): [
        case("401 200 403 403 403 200", args={"org_id": "@org"}, json={"region": "杭州"}),
        case(
            "401 200 403 403 403 200",
            args={"org_id": "@org"},
            json={"credit_code": "91350100M000100Y43"},
        ),
    ],
    ("organizations.verification", "POST"): [
        case("401 403 403 403 403 200", args={"org_id": "@org_other", "action": "verify"}),
        case("401 200 403 403 403 403", args={"org_id": "@org", "action": "request"}),
    ],
    ("organizations.set_payout_account", "PUT"): [
        case(API_FOR_OPERATORS, args={"org_id": "@org"}, json={"stripe_account_id": "acct_1Mx"})
    ],
    ("organizations.set_payout_bank_account", "PUT"): [
        case(API_FOR_OPERATORS, args={"org_id": "@org"}, json=BANK_ACCOUNT)
    ],
    # ------------------------------------------------------------------ API: members
    # U1 is the researcher's (its admin); everyone else's view of it is a 404. Operators may
    # do what an admin may, except upload documents (world.py: U1's member, invitation,
    # join request and document).
    ("members.list_members", "GET"): [case(U1_ADMIN_API, args=U1)],
    ("members.set_member_role", "PATCH"): [
        case(U1_ADMIN_API, args=U1_MEMBER, json={"role": "admin"})
    ],
    ("members.remove_member", "DELETE"): [case("401 204 404 404 404 204", args=U1_MEMBER)],
    ("members.list_invitations", "GET"): [case(U1_ADMIN_API, args=U1)],
    ("members.invite", "POST"): [
        case("401 201 404 404 404 201", args=U1, json={"email": "x@example.org"})
    ],
    ("members.revoke_invitation", "POST"): [
        case(U1_ADMIN_API, args=U1 | {"invitation_id": "@org_invitation"})
    ],
    # The link's holder: anonymous, with no account for the address, creates one; every
    # logged-in role is another address.
    ("members.accept_invitation", "POST"): [
        case(
            "200 403 403 403 403 403",
            json=lambda w: {
                "token": w.invitation_token,
                "display_name": "受邀人",
                "password": "long-enough-pw",
                "role": "researcher",
            },
        )
    ],
    ("members.decline_invitation", "POST"): [
        case("204 204 204 204 204 204", json=lambda w: {"token": w.invitation_token})
    ],
    ("members.my_join_requests", "GET"): [case(API_FOR_USERS)],
    ("members.list_join_requests", "GET"): [case(U1_ADMIN_API, args=U1)],
    # Everyone here has an organization (operators join none): nobody may ask.
    ("members.request_to_join", "POST"): [
        case("401 409 409 409 409 409", args={"org_id": "@org_other"}, json={"message": ""})
    ],
    ("members.decide_join_request", "POST"): [
        case(U1_ADMIN_API, args=U1 | {"request_id": "@join_request", "decision": "approve"}),
        case(
            U1_ADMIN_API,
            args=U1 | {"request_id": "@join_request", "decision": "decline"},
            json={"reason": "不认识"},
        ),
    ],
    # Only the person who asked (none of the roles) withdraws.
    ("members.withdraw_join_request", "POST"): [
        case("401 404 404 404 404 404", args={"request_id": "@join_request"})
    ],
    ("members.list_documents", "GET"): [case(U1_ADMIN_API, args=U1)],
    ("members.upload_document", "POST"): [
        case("401 201 404 404 404 403", args=U1, form={"kind": "business_licence"}, upload=True)
    ],
    ("members.download_document", "GET"): [case(U1_ADMIN_API, args=U1_DOCUMENT)],
    # ------------------------------------------------------------------ API: statistics
    ("statistics.statistics", "GET"): [case(EVERYONE, args={"period": "2026"})],
    ("statistics.figure", "GET"): [
        case(EVERYONE, args={"key": "monthly"}),
        case(EVERYONE, args={"key": "brokers", "format": "xlsx"}),
    ],
    ("statistics.operator_dashboard", "GET"): [
        case(API_FOR_OPERATORS),
        case(API_FOR_OPERATORS, args={"period": "2026", "domain": "new_energy", "region": "宁波"}),
    ],
    ("statistics.operator_dashboard_figure", "GET"): [
        case(API_FOR_OPERATORS, args={"key": "queues"}),
        case(API_FOR_OPERATORS, args={"key": "funnel_by_domain", "format": "csv"}),
    ],
    ("statistics.listing_analytics", "GET"): [
        case("401 200 403 403 403 200", args={"item_id": "@listing_published"}),
        case("401 200 404 404 404 200", args={"item_id": "@listing_draft"}),
    ],
    ("statistics.demand_analytics", "GET"): [
        case("401 403 200 403 403 200", args={"item_id": "@demand_published"}),
        case("401 404 200 404 404 200", args={"item_id": "@demand_draft"}),
    ],
    # ------------------------------------------------------------------ API: listings
    ("listings.list_items", "GET"): [case(EVERYONE)],
    ("listings.create_item", "POST"): [case("401 201 201 201 201 403", json=listing_payload())],
    ("listings.get_item", "GET"): [
        case(EVERYONE, args={"item_id": "@listing_published"}),
        case("404 200 404 404 404 200", args={"item_id": "@listing_draft"}),
    ],
    ("listings.update_item", "PATCH"): [
        case("401 200 404 404 404 403", args={"item_id": "@listing_draft"}, json={"trl": 7})
    ],
    ("listings.delete_item", "DELETE"): [
        case("401 204 404 404 404 403", args={"item_id": "@listing_draft"})
    ],
    ("listings.submit_item", "POST"): [
        case("401 200 404 404 404 403", args={"item_id": "@listing_draft"})
    ],
    ("listings.publish_item", "POST"): [
        case("401 403 404 404 404 200", args={"item_id": "@listing_pending_review"})
    ],
    ("listings.reject_item", "POST"): [
        case(
            "401 403 404 404 404 200",
            args={"item_id": "@listing_pending_review"},
            json={"reason": "信息不全"},
        )
    ],
    ("listings.withdraw_item", "POST"): [
        case("401 200 403 403 403 403", args={"item_id": "@listing_published"})
    ],
    ("listings.close_item", "POST"): [
        case("401 200 403 403 403 403", args={"item_id": "@listing_published"})
    ],
    # ------------------------------------------------------------------ API: demands
    ("demands.list_items", "GET"): [case(EVERYONE)],
    ("demands.create_item", "POST"): [case("401 201 201 201 201 403", json=demand_payload())],
    ("demands.get_item", "GET"): [
        case(EVERYONE, args={"item_id": "@demand_published"}),
        case("404 404 200 404 404 200", args={"item_id": "@demand_draft"}),
    ],
    ("demands.update_item", "PATCH"): [
        case("401 404 200 404 404 403", args={"item_id": "@demand_draft"}, json={"region": "宁波"})
    ],
    ("demands.delete_item", "DELETE"): [
        case("401 404 204 404 404 403", args={"item_id": "@demand_draft"})
    ],
    ("demands.submit_item", "POST"): [
        case("401 404 200 404 404 403", args={"item_id": "@demand_draft"})
    ],
    ("demands.publish_item", "POST"): [
        case("401 404 403 404 404 200", args={"item_id": "@demand_pending_review"})
    ],
    ("demands.reject_item", "POST"): [
        case(
            "401 404 403 404 404 200",
            args={"item_id": "@demand_pending_review"},
            json={"reason": "信息不全"},
        )
    ],
    ("demands.withdraw_item", "POST"): [
        case("401 403 200 403 403 403", args={"item_id": "@demand_published"})
    ],
    ("demands.close_item", "POST"): [
        case("401 403 200 403 403 403", args={"item_id": "@demand_published"})
    ],
    # ------------------------------------------------------------------ API: search
    ("search.search_listings", "GET"): [case(EVERYONE)],
    ("search.search_demands", "GET"): [case(EVERYONE)],
    ("search.suggest", "GET"): [case(EVERYONE, args={"q": "电池"})],
    # ------------------------------------------------------------------ API: deals
    ("deals.list_deals", "GET"): [case(API_FOR_USERS)],
    ("deals.open_deal", "POST"): [
        case(
            "401 403 201 403 403 403",
            json=lambda w: {"listing_id": w.ids["listing_published"], "message": "你好"},
        )
    ],
    ("deals.get_deal", "GET"): [case("401 200 200 404 404 200", args=DEAL)],
    ("deals.list_messages", "GET"): [case("401 200 200 404 404 200", args=DEAL)],
    ("deals.post_message", "POST"): [
        case("401 201 201 404 404 201", args=DEAL, json={"body": "进展如何？"})
    ],
    ("deals.propose_terms", "POST"): [case("401 409 409 404 404 403", args=DEAL, json=TERMS_JSON)],
    ("deals.confirm_terms", "POST"): [
        case("401 409 409 404 404 403", args=AGREED, json=lambda w: {"terms_hash": w.terms_hash})
    ],
    ("deals.request_funding", "POST"): [case("401 403 201 404 404 403", args=AGREED)],
    ("deals.confirm_bank_transfer", "POST"): [
        case(
            "401 403 403 404 404 200",
            args=AGREED,
            json=lambda w: {"reference": w.funding_reference, "amount": 1_000_000},
        )
    ],
    ("deals.start_work", "POST"): [case("401 409 403 404 404 403", args=DEAL)],
    ("deals.accept_milestone", "POST"): [case("401 403 200 404 404 403", args=MILESTONE)],
    ("deals.deliver_milestone", "POST"): [
        case("401 409 403 404 404 403", args=MILESTONE, json={"note": "交付说明"})
    ],
    ("deals.reject_milestone", "POST"): [
        case("401 403 200 404 404 403", args=MILESTONE, json={"reason": "缺少报告"})
    ],
    ("deals.dispute_milestone", "POST"): [
        case("401 403 200 404 404 403", args=MILESTONE, json={"reason": "样品不合格"})
    ],
    ("deals.resolve_dispute", "POST"): [
        case("401 403 403 404 404 409", args=MILESTONE, json={"outcome": "refund"})
    ],
    ("deals.cancel", "POST"): [case("401 200 200 404 404 200", args=AGREED, json={"reason": ""})],
    ("deals.propose_cancellation", "POST"): [
        case("401 200 200 404 404 403", args=DEAL, json={"reason": "不做了"})
    ],
    ("deals.accept_cancellation", "POST"): [case("401 409 409 404 404 403", args=DEAL)],
    ("deals.decline_cancellation", "POST"): [
        case("401 409 409 404 404 403", args=DEAL, json={"reason": ""})
    ],
    ("deals.withdraw_cancellation", "POST"): [case("401 409 409 404 404 403", args=DEAL)],
    ("deals.list_payouts", "GET"): [case(API_FOR_OPERATORS)],
    ("deals.execute_payout", "POST"): [
        case(API_FOR_OPERATORS, args={"payout_id": "@payout"}, json={"reference": "B-1"})
    ],
    ("deal_files.list_attachments", "GET"): [case("401 200 200 404 404 200", args=DEAL)],
    ("deal_files.upload", "POST"): [case("401 201 201 404 404 201", args=DEAL, upload=True)],
    ("deal_files.download", "GET"): [
        case("401 200 200 404 404 200", args=DEAL | {"attachment_id": "@attachment"})
    ],
    # The paper of the agreed terms: the parties, the deal's broker and operators.
    ("deal_paper.contract", "GET"): [
        case("401 200 200 404 404 200", args=DEAL),
        case("401 200 200 200 404 200", args=DONE),
    ],
    ("deal_paper.registration", "GET"): [
        case("401 200 200 404 404 200", args=DEAL | {"fmt": "xlsx"}),
        case("401 200 200 200 404 200", args=DONE | {"fmt": "pdf"}),
    ],
    # ------------------------------------------------------------------ API: brokers
    ("brokers.directory", "GET"): [case(EVERYONE)],
    ("brokers.profile", "GET"): [
        case(EVERYONE, args=BROKER),
        case("404 404 404 404 404 200", args=PENDING_BROKER),
    ],
    ("brokers.my_profile", "GET"): [case("401 404 404 200 404 404")],  # only brokers have one
    ("brokers.save_profile", "PUT"): [case("401 403 403 200 403 403", json=PROFILE)],
    ("brokers.my_earnings", "GET"): [case(API_FOR_USERS)],
    ("brokers.earnings", "GET"): [case("401 404 404 200 404 200", args=BROKER)],
    ("brokers.pending", "GET"): [case(API_FOR_OPERATORS)],
    ("brokers.review", "POST"): [
        case(
            API_FOR_OPERATORS,
            args={"profile_id": "@profile_pending"},
            json={"decision": "verify", "reason": ""},
        )
    ],
    ("brokers.ranking", "GET"): [case(API_FOR_OPERATORS)],
    # ------------------------------------------------------------------ API: brokers on deals
    ("broker_deals.deal_brokers", "GET"): [case("401 200 200 200 404 200", args=BROKERED)],
    ("broker_deals.invite", "POST"): [
        case(
            "401 201 201 404 404 403",
            args={"deal_id": "@deal_invited"},
            json=lambda w: {"broker_id": w.ids["broker2"], "message": "请协助"},
        )
    ],
    ("broker_deals.release", "POST"): [case("401 200 200 403 404 403", args=BROKERED)],
    ("broker_deals.my_invitations", "GET"): [case(API_FOR_USERS)],  # one's own
    ("broker_deals.answer", "POST"): [
        case("401 404 404 200 404 404", args={"assignment_id": "@invitation", "answer": "accept"})
    ],
    ("broker_deals.withdraw_invitation", "POST"): [
        case("401 200 200 404 404 403", args={"assignment_id": "@invitation"})
    ],
    # Only verified brokers offer: to anyone else there is no such broker.
    ("broker_deals.offer", "POST"): [
        case(
            "401 404 404 201 404 404",
            json=lambda w: {"listing_id": w.ids["listing_published"], "message": "我来"},
        )
    ],
    ("broker_deals.offers", "GET"): [
        case(API_FOR_USERS),
        case(API_FOR_USERS, args={"scope": "received"}),
    ],
    ("broker_deals.decide", "POST"): [
        case(
            "401 404 200 403 404 403",
            args={"offer_id": "@offer", "decision": "accept"},
            json={"reason": ""},
        )
    ],
    ("broker_deals.withdraw_offer", "POST"): [
        case("401 404 404 200 404 404", args={"offer_id": "@offer"})
    ],
    ("broker_deals.records", "GET"): [case("401 200 200 200 404 200", args=DONE)],
    ("broker_deals.add_record", "POST"): [
        case("401 403 403 201 404 403", args=DONE, json=RECORD_JSON)
    ],
    ("broker_deals.get_record", "GET"): [
        case("401 200 200 200 404 200", args=SHARED_RECORD),
        case("401 404 404 200 404 200", args=PRIVATE_RECORD),
    ],
    ("broker_deals.edit_record", "PUT"): [
        case("401 403 403 200 404 403", args=SHARED_RECORD, json=RECORD_JSON),
        case("401 404 404 200 404 403", args=PRIVATE_RECORD, json=RECORD_JSON),
    ],
    ("broker_deals.add_attachment", "POST"): [
        case("401 403 403 201 404 403", args=SHARED_RECORD, upload=True)
    ],
    ("broker_deals.download", "GET"): [case("401 200 200 200 404 200", args=RECORD_FILE)],
    ("broker_deals.rate", "POST"): [
        case("401 201 201 403 404 403", args=DONE, json={"score": 5, "comment": "好"})
    ],
    # ------------------------------------------------------------------ API: matching
    ("matches.demand_matches", "GET"): [
        case(EVERYONE, args={"demand_id": "@demand_published"}),
        case("404 404 200 404 404 200", args={"demand_id": "@demand_draft"}),
    ],
    ("matches.listing_matches", "GET"): [
        case(EVERYONE, args={"listing_id": "@listing_published"}),
        case("404 200 404 404 404 200", args={"listing_id": "@listing_draft"}),
    ],
    # A challenge's related listings: whoever may see the challenge (its draft: the
    # posting organization and operators).
    ("matches.challenge_listings", "GET"): [
        case(EVERYONE, args=CHALLENGE_OPEN),
        case("404 404 200 404 404 200", args=CHALLENGE_DRAFT),
    ],
    # ------------------------------------------------------------------ API: notifications
    # Everything here is the caller's own; another user's does not exist for them.
    ("notifications.list_notifications", "GET"): [case(API_FOR_USERS)],
    ("notifications.unread_count", "GET"): [case(API_FOR_USERS)],
    ("todos.my_todos", "GET"): [case(API_FOR_USERS)],  # one's own to-dos
    ("notifications.mark_read", "POST"): [case(OWNER_ONLY, args=NOTIFICATION)],
    ("notifications.mark_all_read", "POST"): [case(API_FOR_USERS)],
    ("notifications.get_preferences", "GET"): [case(API_FOR_USERS)],
    ("notifications.put_preferences", "PUT"): [case(API_FOR_USERS, json={"email": False})],
    ("notifications.list_saved", "GET"): [case(API_FOR_USERS)],
    ("notifications.create_saved", "POST"): [case("401 201 201 201 201 201", json=SAVED_SEARCH)],
    ("notifications.get_saved", "GET"): [case(OWNER_ONLY, args=SAVED)],
    ("notifications.new_results", "GET"): [case(OWNER_ONLY, args=SAVED)],
    ("notifications.update_saved", "PATCH"): [
        case(OWNER_ONLY, args=SAVED, json={"name": "改名", "alerts": False})
    ],
    ("notifications.delete_saved", "DELETE"): [case("401 204 404 404 404 404", args=SAVED)],
    # ------------------------------------------------------------------ API: auctions
    # Sessions, admitted lots, their logs and results are public; an application is the
    # seller's and the operators' until admitted. Bidding needs a held deposit (only the
    # enterprise member has one); registering needs a verified enterprise.
    ("auctions.list_sessions", "GET"): [case(EVERYONE)],
    ("auctions.schedule_session", "POST"): [case("401 403 403 403 403 201", json=AUCTION_SESSION)],
    ("auctions.get_session", "GET"): [case(EVERYONE, args={"session_id": "@auction_session"})],
    ("auctions.apply_lot", "POST"): [
        case(
            "401 201 403 403 403 403",
            args={"session_id": "@auction_upcoming"},
            json=lambda w: AUCTION_LOT | {"listing_id": w.ids["listing_to_apply"]},
        )
    ],
    ("auctions.decide_lot", "POST"): [
        case("401 403 404 404 404 200", args=LOT_APPLIED, json={"action": "admit"}),
        case("401 200 404 404 404 403", args=LOT_APPLIED, json={"action": "withdraw"}),
    ],
    ("auctions.get_lot", "GET"): [
        case(EVERYONE, args=LOT),
        case("404 200 404 404 404 200", args=LOT_APPLIED),
    ],
    ("auctions.register", "POST"): [case("401 403 201 403 403 403", args=LOT)],
    # Only the registered organization pays its deposit by card; its deposit is held
    # already in the world (409), the others have no registration (404).
    ("auctions.card_deposit", "POST"): [case("401 404 409 404 404 404", args=LOT)],
    ("auctions.confirm_deposit", "POST"): [
        case(
            "401 403 403 403 403 200",
            args={"registration_id": "@registration_pending"},
            json=lambda w: {"reference": w.ids["deposit_reference"], "amount": 20_000_000},
        )
    ],
    ("auctions.place_bid", "POST"): [
        case("401 403 201 403 403 403", args=LOT, json={"amount": 200_000_000})
    ],
    ("auctions.bid_log", "GET"): [
        case(EVERYONE, args=LOT),
        case("404 200 404 404 404 200", args=LOT_APPLIED),
    ],
    ("auctions.results", "GET"): [case(EVERYONE)],
    # ------------------------------------------------------------------ API: challenges
    # The enterprise posts (world.py _challenges); a challenge is public once funded and
    # open, before that its organization's and the operators'. Proposals are confidential:
    # the poster and operators read all, the proposing organization (the researcher's)
    # its own, everybody else nothing (404: not even that it exists). Only the poster
    # evaluates and decides; U1 is unverified in the world, so nobody else may propose.
    ("challenges.list_challenges", "GET"): [case(EVERYONE)],
    ("challenges.post_challenge", "POST"): [
        case(
            "401 403 201 403 403 201",
            json=lambda w: CHALLENGE | {"organization_id": w.ids["org_e1"]},
        )
    ],
    ("challenges.my_challenges", "GET"): [case(API_FOR_USERS)],
    ("challenges.review_queue", "GET"): [case(API_FOR_OPERATORS)],
    ("challenges.get_challenge", "GET"): [
        case(EVERYONE, args=CHALLENGE_OPEN),
        case("404 404 200 404 404 200", args=CHALLENGE_DRAFT),
    ],
    ("challenges.edit_challenge", "PUT"): [
        case("401 404 200 404 404 403", args=CHALLENGE_DRAFT, json=lambda w: CHALLENGE)
    ],
    ("challenges.submit_challenge", "POST"): [
        case("401 404 200 404 404 200", args=CHALLENGE_DRAFT)
    ],
    ("challenges.review_challenge", "POST"): [
        case(
            "401 404 403 404 404 200",
            args={"challenge_id": "@challenge_pending"},
            json={"action": "approve"},
        )
    ],
    ("challenges.funding_instructions", "GET"): [case("401 404 200 404 404 200", args=AWAITING)],
    ("challenges.confirm_funding", "POST"): [
        case(
            "401 404 403 404 404 200",
            args=AWAITING,
            json=lambda w: {
                "reference": f"CH{w.ids['challenge_awaiting']:06d}",
                "amount": 1_000_000,
            },
        )
    ],
    ("challenges.accept_nda", "POST"): [case("401 200 200 200 200 200", args=CHALLENGE_OPEN)],
    ("challenges.close_proposals", "POST"): [
        case("401 403 200 403 403 403", args={"challenge_id": "@challenge_due"})
    ],
    ("challenges.withdraw_challenge", "POST"): [
        case("401 403 200 403 403 200", args=CHALLENGE_OPEN, json={"reason": "预算取消"})
    ],
    ("challenges.decline_all", "POST"): [
        case("401 403 200 403 403 200", args=EVALUATING, json={"reason": "均未达到指标"})
    ],
    ("challenges.award_challenge", "POST"): [
        case(
            "401 403 200 403 403 403",
            args=EVALUATING,
            json=lambda w: {"winners": [{"proposal_id": w.ids["proposal_evaluating"]}]},
        )
    ],
    ("challenges.list_proposals", "GET"): [case(EVERYONE, args=CHALLENGE_OPEN)],
    ("challenges.propose", "POST"): [
        case(
            "401 403 403 403 403 403",  # nobody here is a verified university or institute
            args=CHALLENGE_OPEN,
            json=lambda w: {
                "approach": "另一方案",
                "price": 500_000,
                "plan": [{"indicator_id": w.ids["indicator"], "plan": "计划"}],
            },
        )
    ],
    ("challenges.get_proposal", "GET"): [case("401 200 200 404 404 200", args=PROPOSAL)],
    ("challenges.upload_proposal_file", "POST"): [
        case("401 201 403 404 404 403", args=PROPOSAL, upload=True)
    ],
    ("challenges.list_proposal_files", "GET"): [case("401 200 200 404 404 200", args=PROPOSAL)],
    ("challenges.download_proposal_file", "GET"): [
        case("401 200 200 404 404 200", args=PROPOSAL | {"file_id": "@proposal_file"})
    ],
    ("challenges.shortlist", "POST"): [case("401 403 200 404 404 403", args=PROPOSAL)],
    ("challenges.score_proposal", "POST"): [
        case("401 403 200 404 404 403", args=PROPOSAL, json={"scores": {"技术路线": 80}})
    ],
    ("challenges.reject_proposal", "POST"): [
        case("401 403 200 404 404 403", args=PROPOSAL, json={"reason": "方案不可行"})
    ],
    ("challenges.ask_question", "POST"): [
        case("401 403 201 404 404 403", args=PROPOSAL, json={"question": "团队几人？"})
    ],
    ("challenges.answer_question", "POST"): [
        case("401 200 404 404 404 404", args={"question_id": "@question"}, json={"answer": "五人"})
    ],
    # ------------------------------------------------------------------ API: vouchers
    # Programmes are public; operators define, fund and decide; verified enterprises apply
    # (world.py _vouchers: the enterprise is verified, the other roles are not enterprises).
    # Paying by voucher is the buyer's, and deal_agreed already has its funding request.
    ("vouchers.list_programmes", "GET"): [case(EVERYONE)],
    ("vouchers.get_programme", "GET"): [case(EVERYONE, args=VOUCHER_PROGRAMME)],
    ("vouchers.create_programme", "POST"): [
        case("401 403 403 403 403 201", json=lambda w: PROGRAMME)
    ],
    ("vouchers.top_up", "POST"): [
        case(
            "401 403 403 403 403 200",
            args=VOUCHER_PROGRAMME,
            json={"amount": 100, "reference": "BUREAU-2"},
        )
    ],
    ("vouchers.apply", "POST"): [
        case(
            "401 403 201 403 403 403",
            json=lambda w: {
                "programme_id": w.ids["voucher_programme"],
                "amount": 100_000,
                "purpose": "技术服务",
            },
        )
    ],
    ("vouchers.my_applications", "GET"): [case(API_FOR_USERS)],
    ("vouchers.queue", "GET"): [case(API_FOR_OPERATORS)],
    ("vouchers.grant", "POST"): [
        case("401 403 403 403 403 200", args=VOUCHER_APPLICATION, json={})
    ],
    ("vouchers.refuse", "POST"): [
        case("401 403 403 403 403 200", args=VOUCHER_APPLICATION, json={"reason": "材料不全"})
    ],
    ("vouchers.wallet", "GET"): [case(API_FOR_USERS)],
    ("vouchers.deal_options", "GET"): [case("401 200 200 404 404 200", args=AGREED)],
    ("vouchers.fund_with_voucher", "POST"): [
        case(
            "401 403 409 404 404 403",
            args=AGREED,
            json=lambda w: {"programme_id": w.ids["voucher_programme"], "voucher_amount": 100},
        )
    ],
    ("vouchers.redemption_list", "GET"): [case(API_FOR_OPERATORS, args={"period": "2026-12"})],
    ("vouchers.redemption_export", "GET"): [case(API_FOR_OPERATORS, args={"period": "2026Q4"})],
    # ------------------------------------------------------------------ API: payments
    # Authenticated by Stripe's signature, not by a user. Without STRIPE_WEBHOOK_SECRET (as
    # here) the endpoint does not exist; tests/payments checks signed and unsigned deliveries.
    ("stripe_webhooks.webhook", "POST"): [case("404 404 404 404 404 404", json={"id": "evt_1"})],
}

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def app_routes(app: Flask) -> set[tuple[str, str]]:
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - IGNORED_METHODS
    }


def test_every_route_is_in_the_matrix(app):
    missing = sorted(app_routes(app) - set(MATRIX))
    assert not missing, (
        "These routes have no row in MATRIX (tests/security/test_authorization_matrix.py); "
        "add one saying which role gets which status:\n"
        + "\n".join(f'    ("{e}", "{m}"): [case("401 200 200 200 200 200")],' for e, m in missing)
    )


def test_every_matrix_row_is_a_route(app):
    assert not sorted(set(MATRIX) - app_routes(app)), "remove rows of routes that are gone"


def upload_file(endpoint: str) -> tuple[io.BytesIO, str]:
    if endpoint == "views.import_records":
        return io.BytesIO(b'{"id": "x-1", "title": "t"}\n'), "records.jsonl"
    return io.BytesIO(b"%PDF-1.4\n%matrix\n"), "spec.pdf"


def outcome(client, response) -> str:
    """The status, with "!" when the page redirected with an error message."""
    status = str(response.status_code)
    if response.status_code in (302, 303):
        with client.session_transaction() as session:
            if any(category == "error" for category, _ in session.get("_flashes", [])):
                return status + "!"
    return status


def send(world: World, client, endpoint: str, method: str, c: Case):
    url = c.url(world.app, endpoint, world)
    body = lambda b: b(world) if callable(b) else b  # noqa: E731
    if c.upload:
        data = dict(body(c.form) or {})
        data["file"] = upload_file(endpoint)
        return client.open(url, method=method, data=data, content_type="multipart/form-data")
    if c.form is not None:
        return client.open(url, method=method, data=body(c.form))
    if c.json is not None:
        return client.open(url, method=method, json=body(c.json))
    return client.open(url, method=method)


def run_case(app: Flask, make, world: World, endpoint: str, method: str, c: Case):
    """Each role's outcome; returns (got, expected, the world now in place)."""
    got = {}
    for role in ROLES:
        client = world.client(role)
        response = send(world, client, endpoint, method, c)
        got[role] = outcome(client, response)
        if 300 <= response.status_code < 400:  # every redirect stays on the site
            location = urlsplit(response.headers["Location"])
            assert location.netloc in ("", "localhost"), (role, response.headers["Location"])
        changed = method != "GET" and response.status_code < 400 and not got[role].endswith("!")
        if changed and role != ROLES[-1]:
            # The request changed the world: the next role starts from a fresh one.
            with app.app_context():
                empty_all_tables()
            world = fresh_world(app, make)
    return got, dict(zip(ROLES, c.expect, strict=True)), world


def mismatch(app, endpoint: str, method: str, c: Case, world: World, got: dict) -> str:
    return (
        f"{endpoint} {method} {c.url(app, endpoint, world)}: got "
        f'"{" ".join(got.values())}", the matrix says "{" ".join(c.expect)}"'
    )


def test_matrix_reads(app, make):
    """All GET rows against one world (reads change nothing); every mismatch is listed."""
    world = fresh_world(app, make)
    failures = []
    for (endpoint, method), cases in MATRIX.items():
        if method != "GET":
            continue
        for c in cases:
            got, expected, world = run_case(app, make, world, endpoint, method, c)
            if got != expected:
                failures.append(mismatch(app, endpoint, method, c, world, got))
    assert not failures, "\n".join(failures)


WRITES = [
    pytest.param(endpoint, method, i, id=f"{endpoint}:{method}:{i}")
    for (endpoint, method), cases in MATRIX.items()
    if method != "GET"
    for i in range(len(cases))
]


@pytest.mark.parametrize("endpoint,method,index", WRITES)
def test_matrix_writes(app, make, endpoint, method, index):
    c = MATRIX[(endpoint, method)][index]
    got, expected, world = run_case(app, make, fresh_world(app, make), endpoint, method, c)
    assert got == expected, mismatch(app, endpoint, method, c, world, got)


def test_methods_a_route_does_not_take_are_405(app, client):
    """Every rule refuses the methods it does not declare (no accidental catch-all)."""
    by_path: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        by_path.setdefault(rule.rule, set()).update(rule.methods)
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.arguments - {"item_id", "deal_id", "org_id", "token_id"}:
            continue
        allowed = by_path[rule.rule]
        url = rule.rule
        for name in rule.arguments:
            url = url.replace(f"<int:{name}>", "1")
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            if method not in allowed:
                assert client.open(url, method=method).status_code == 405, (method, url)
                checked += 1
    assert checked > 100
