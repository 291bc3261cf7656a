"""Random deal actions on a deal partly paid by an innovation voucher keep the money
invariants: the ledger balances, no holding account (escrow, budget, wallet) is negative,
budget + wallets + spent vouchers == what the bureau funded, the statement adds up
(released + refunded to the buyer + returned to the voucher + held == funded), and once
escrow is empty every fen of the voucher was either released to the supplier (and listed
for 兑付) or returned — never refunded to the buyer's bank.

The deal actions are those of tests/deals/test_deals_properties.py (``act``), plus paying
part by voucher and confirming the transfer of the rest.
"""

from __future__ import annotations

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from marketplace.core import ledger
from marketplace.core.errors import DomainError
from marketplace.deals import escrow as deal_money
from marketplace.extensions import db
from marketplace.models import Deal, PayoutInstruction, VoucherRedemption
from marketplace.vouchers import money, spending
from tests.deals.fixtures import Parties, walk
from tests.deals.test_deals_properties import ACTIONS, ACTORS, act
from tests.vouchers.fixtures import granted, scene, user

VOUCHER_ACTIONS = ("fund_with_voucher", "confirm_rest")
# Toward the end of the deal more often than the deal test: deliveries, acceptances,
# disputes and cancellations, where escrow's money leaves and the voucher's part is decided.
step = st.tuples(
    st.sampled_from(ACTIONS + VOUCHER_ACTIONS * 3 + ("deliver", "accept", "resolve", "cancel") * 8),
    st.sampled_from(ACTORS),
    st.integers(min_value=0, max_value=2),
    st.integers(min_value=1, max_value=999_999),
)


def voucher_act(session, p: Parties, s, deal_id, action, amount) -> None:
    if action == "fund_with_voucher":
        spending.fund_with_voucher(
            session,
            user(p.buyer),
            deal_id,
            programme_id=s.programme_id,
            amount=amount % 600_000,  # above 500,000 (half the price): refused
        )
    else:  # the operator confirms the transfer of what the funding request asked
        fundings = deal_money.fundings(session, session.get(Deal, deal_id))
        funding = fundings[-1] if fundings else None
        deal_money.confirm_bank_transfer(
            session,
            user(p.operator),
            deal_id,
            reference=funding.reference if funding else "TM-none",
            amount=funding.amount if funding else amount,
        )


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    prefund=st.one_of(st.none(), st.integers(min_value=1, max_value=500_000)),
    # (None: the voucher may be spent by a step, or never)
    steps=st.lists(step, min_size=3, max_size=24),
)
def test_random_actions_on_a_voucher_paid_deal_keep_the_money_invariants(app, make, prefund, steps):
    with app.app_context():
        s = scene(make)
        granted(s)
        p = Parties(s.buyer, s.supplier, s.operator, make.user("enterprise_member"), s.listing_id)
        deal_id = walk(db.session, p, "agreed")
        if prefund is not None:  # most examples start funded, part by voucher
            voucher_act(db.session, p, s, deal_id, "fund_with_voucher", prefund)
            voucher_act(db.session, p, s, deal_id, "confirm_rest", 0)
            db.session.commit()
            check(db.session, deal_id)
        for action, who, pick, amount in steps:
            try:
                if action in VOUCHER_ACTIONS:
                    voucher_act(db.session, p, s, deal_id, action, amount)
                else:
                    act(db.session, p, deal_id, action, who, pick, amount)
                db.session.commit()
                event(f"done: {action}")
            except DomainError as exc:
                db.session.rollback()
                event(f"refused: {type(exc).__name__}")
                continue
            check(db.session, deal_id)


def check(session, deal_id: int) -> None:
    deal = session.get(Deal, deal_id)
    st_ = deal_money.statement(session, deal)
    assert st_["held"] >= 0
    assert (
        st_["released"] + st_["refunded"] + st_["voucher_returned"] + st_["held"] == (st_["funded"])
    ), st_
    assert ledger.check(session) == []
    assert money.voucher_violations(session) == []
    spend = spending.spend_of(session, deal_id)
    if spend is None:
        assert st_["voucher"] == 0
        return
    event("voucher spent")
    assert st_["voucher"] == spend.amount
    assert st_["voucher_returned"] == spend.returned
    redeemed = session.scalar(
        select(func.coalesce(func.sum(VoucherRedemption.amount), 0)).where(
            VoucherRedemption.deal_id == deal_id
        )
    )
    assert int(redeemed) == spend.released
    assert spend.released + spend.returned <= spend.amount
    # The buyer's bank gets back at most what the bank paid.
    refunded_to_bank = session.scalar(
        select(func.coalesce(func.sum(PayoutInstruction.amount), 0)).where(
            PayoutInstruction.deal_id == deal_id, PayoutInstruction.kind == "refund"
        )
    )
    assert int(refunded_to_bank) <= st_["funded"] - spend.amount
    if st_["held"] == 0 and deal.state in ("completed", "cancelled"):
        event(f"settled: {deal.state}")
        assert spend.released + spend.returned == spend.amount
