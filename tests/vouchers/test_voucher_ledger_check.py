"""``flask ledger check`` covers the vouchers: clean after grants and a spend; a spend
that lost its record (the voucher money in escrow no longer accounted for) and a
wallet forged below zero are both reported."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from marketplace.extensions import db
from marketplace.models import VoucherProgramme, VoucherSpend
from marketplace.vouchers import money, spending
from tests.vouchers.fixtures import agreed_deal, granted, scene, user

pytestmark = pytest.mark.real_commits


def test_ledger_check_covers_budgets_and_wallets(app, make):
    runner = app.test_cli_runner()
    with app.app_context():
        s = scene(make)
        granted(s)
        deal_id = agreed_deal(s)
        spending.fund_with_voucher(
            db.session, user(s.buyer), deal_id, programme_id=s.programme_id, amount=300_000
        )
        db.session.commit()
        org_id, programme_id = s.buyer.organization_id, s.programme_id
    result = runner.invoke(args=["ledger", "check"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        wallet = money.wallet_account(
            db.session, org_id, db.session.get(VoucherProgramme, programme_id)
        )
        spend = db.session.scalar(db.select(VoucherSpend).where(VoucherSpend.deal_id == deal_id))
        # A forged spend record: the programme's money no longer adds up.
        spend.returned = 100
        # A forged entry overdrawing the wallet (and unbalancing its transaction).
        txn_id = db.session.execute(
            text("SELECT MAX(transaction_id) FROM ledger_entry WHERE account_id = :a"),
            {"a": wallet.id},
        ).scalar()
        db.session.execute(
            text(
                "INSERT INTO ledger_entry (transaction_id, account_id, amount, currency)"
                " VALUES (:t, :a, -99000000, 'CNY')"
            ),
            {"t": txn_id, "a": wallet.id},
        )
        db.session.commit()
    result = runner.invoke(args=["ledger", "check"])
    assert result.exit_code == 1
    assert "vouchers: programme" in result.output
    assert "non_negative: voucher_wallet" in result.output
