from sqlalchemy import text

from marketplace.core import ledger
from marketplace.extensions import db


def test_ledger_check_passes_then_fails_on_a_forged_entry(app):
    runner = app.test_cli_runner()
    with app.app_context():
        escrow = ledger.get_account(db.session, "deal:1:escrow", "escrow", "CNY", deal_id=1)
        funding = ledger.get_account(db.session, "deal:1:funding", "buyer_funding", "CNY")
        txn, _ = ledger.post(
            db.session,
            kind="fund",
            idempotency_key="f1",
            movements=[(funding, -900), (escrow, 900)],
        )
        db.session.commit()
        txn_id, escrow_id = txn.id, escrow.id
    result = runner.invoke(args=["ledger", "check"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        db.session.execute(
            text(
                "INSERT INTO ledger_entry (transaction_id, account_id, amount, currency) VALUES (:t, :a, -1000, 'CNY')"
            ),
            {"t": txn_id, "a": escrow_id},
        )
        db.session.commit()
    result = runner.invoke(args=["ledger", "check"])
    assert result.exit_code == 1
    assert "balanced" in result.output and "non_negative" in result.output
