"""A supplier with a connected payout account gets releases as provider transfers; one
without gets payout instructions. (The Stripe transfer request itself is tested at the
HTTP boundary in tests/payments/test_stripe.py.)"""

from __future__ import annotations

import pytest
from sqlalchemy import select

import payments
from marketplace.accounts import organizations
from marketplace.core import ledger
from marketplace.core.errors import Conflict, Forbidden, Invalid
from marketplace.deals import delivery as deal_delivery
from marketplace.models import Deal, Organization, PayoutInstruction
from payments.offline import BankAccount, OfflineProvider
from tests.deals.fixtures import balances, deliver, parties, user, walk


class RecordingProvider(OfflineProvider):
    """The offline provider, but a beneficiary with an account is paid by 'transfer'."""

    def __init__(self):
        super().__init__(BankAccount())
        self.beneficiaries: list[payments.Beneficiary] = []

    def release(self, deal, amount, currency, idempotency_key, beneficiary):
        self.beneficiaries.append(beneficiary)
        if beneficiary.provider_account:
            return payments.PayoutResult(self.name, "executed", reference=f"tr_{amount}")
        return super().release(deal, amount, currency, idempotency_key, beneficiary)


def test_release_to_a_connected_supplier_is_executed_by_the_provider(ctx, make):
    p = parties(make)
    deal_id = walk(ctx, p, "funded", amounts=(600_000, 400_000))
    org_id = p.supplier.organization_id
    organizations.set_payout_account(ctx, user(p.operator), org_id, " acct_1Supplier ")
    ctx.commit()
    provider = RecordingProvider()
    gateway = payments.Gateway([provider], default="offline")
    first, second = ctx.get(Deal, deal_id).milestones

    deliver(ctx, p, deal_id, first.id)
    deal_delivery.accept_milestone(ctx, user(p.buyer), deal_id, first.id, gateway=gateway)
    ctx.commit()
    assert provider.beneficiaries[-1].provider_account == "acct_1Supplier"
    payout = ctx.query(PayoutInstruction).one()
    assert (payout.status, payout.reference) == ("executed", "tr_582000")
    # Executed at once: the supplier's payable went straight out; nothing waits.
    assert balances(ctx, deal_id)[f"org:{org_id}:payable"] == 0

    # Disconnected: the next release is a payout instruction an operator executes.
    organizations.set_payout_account(ctx, user(p.operator), org_id, "")
    ctx.commit()
    deliver(ctx, p, deal_id, second.id)
    deal_delivery.accept_milestone(ctx, user(p.buyer), deal_id, second.id, gateway=gateway)
    ctx.commit()
    assert provider.beneficiaries[-1].provider_account == ""
    pending = ctx.query(PayoutInstruction).filter_by(status="pending").one()
    assert pending.amount == 388_000
    assert balances(ctx, deal_id)[f"org:{org_id}:payable"] == 388_000
    assert ledger.check(ctx) == []


def test_only_operators_connect_and_an_account_belongs_to_one_organization(ctx, make):
    member = make.user("researcher")
    other = make.user("enterprise_member")
    operator = make.operator()
    org_id = member.organization_id
    with pytest.raises(Forbidden):
        organizations.set_payout_account(ctx, user(member), org_id, "acct_1Mine")
    with pytest.raises(Invalid) as bad:
        organizations.set_payout_account(ctx, user(operator), org_id, "acct 1; drop")
    assert "stripe_account_id" in bad.value.fields
    organizations.set_payout_account(ctx, user(operator), org_id, "acct_1Mine")
    ctx.commit()
    with pytest.raises(Conflict):
        organizations.set_payout_account(ctx, user(operator), other.organization_id, "acct_1Mine")
    assert ctx.get(Organization, org_id).stripe_account_id == "acct_1Mine"


def test_a_concurrent_connection_the_check_could_not_see_is_a_409(ctx, make, monkeypatch):
    """Two operators connecting one account to two organizations at once: neither check
    sees the other's uncommitted write, so the unique index decides — a 409, not a 500."""
    operator = user(make.operator())
    first, second = (make.user("researcher").organization_id for _ in range(2))
    organizations.set_payout_account(ctx, operator, first, "acct_1Shared")
    ctx.commit()
    monkeypatch.setattr(organizations, "_account_owner", lambda *a, **kw: None)
    with pytest.raises(Conflict):
        organizations.set_payout_account(ctx, operator, second, "acct_1Shared")
    ctx.rollback()
    owners = ctx.scalars(
        select(Organization.id).where(Organization.stripe_account_id == "acct_1Shared")
    ).all()
    assert owners == [first]
