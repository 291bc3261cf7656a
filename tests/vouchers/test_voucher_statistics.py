"""The voucher figure of the market statistics against hand-written SQL, with the
Asia/Shanghai month boundary (a grant at 23:30 Beijing on the last day of a month is in
that month, one at 00:30 in the next)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from marketplace.deals import delivery
from marketplace.deals import escrow as deal_money
from marketplace.extensions import db
from marketplace.models import Deal, VoucherApplication, VoucherProgramme
from marketplace.statistics import vouchers as voucher_figure
from marketplace.statistics.periods import parse
from marketplace.vouchers import spending
from tests.vouchers.fixtures import agreed_deal, granted, scene, user

HAND = """
SELECT p.name,
  (SELECT COALESCE(SUM(a.granted_amount), 0) FROM voucher_application a
    WHERE a.programme_id = p.id AND a.state = 'granted'
      AND a.decided_at >= :lo AND a.decided_at < :hi),
  (SELECT COALESCE(SUM(s.amount), 0) FROM voucher_spend s
    WHERE s.programme_id = p.id AND s.created_at >= :lo AND s.created_at < :hi),
  (SELECT COUNT(*) FROM voucher_spend s
    WHERE s.programme_id = p.id AND s.created_at >= :lo AND s.created_at < :hi),
  (SELECT COALESCE(SUM(r.amount), 0) FROM voucher_redemption r
    WHERE r.programme_id = p.id AND r.released_at >= :lo AND r.released_at < :hi)
FROM voucher_programme p WHERE p.id = :pid
"""


def test_the_voucher_figure_matches_hand_written_sql(ctx, make):
    s = scene(make)
    first = granted(s, granted_amount=1_000_000)
    second = granted(s, amount=500_000)
    deal_id = agreed_deal(s)
    funding = spending.fund_with_voucher(
        db.session, user(s.buyer), deal_id, programme_id=s.programme_id, amount=800_000
    )
    deal_money.confirm_bank_transfer(
        db.session, user(s.operator), deal_id, reference=funding.reference, amount=funding.amount
    )
    m = db.session.get(Deal, deal_id).milestones[0]
    delivery.deliver_milestone(db.session, user(s.supplier), deal_id, m.id, "交付")
    delivery.accept_milestone(db.session, user(s.buyer), deal_id, m.id)
    # Two grants either side of midnight in Beijing at the end of November 2026.
    db.session.get(VoucherApplication, first).decided_at = datetime(
        2026, 11, 30, 15, 30, tzinfo=UTC
    )
    db.session.get(VoucherApplication, second).decided_at = datetime(
        2026, 11, 30, 16, 30, tzinfo=UTC
    )
    db.session.commit()
    name = db.session.get(VoucherProgramme, s.programme_id).name
    now = datetime.now(UTC)
    for key in ("2026-11", "2026-12", "2026Q4", "2026", parse_key_now(now)):
        period = parse(key)
        rows = {r[0]: r[1:] for r in voucher_figure.vouchers(db.session, period, now)}
        hand = db.session.execute(
            text(HAND), {"lo": period.lo, "hi": period.hi, "pid": s.programme_id}
        ).one()
        expected = list(hand[1:])
        assert rows.get(name, [0, 0, 0, 0]) == [int(v) for v in expected], key
    nov = {r[0]: r[1:] for r in voucher_figure.vouchers(db.session, parse("2026-11"), now)}
    assert nov[name][0] == 1_000_000  # 23:30 Beijing on 30 November
    dec = {r[0]: r[1:] for r in voucher_figure.vouchers(db.session, parse("2026-12"), now)}
    assert dec[name][0] == 500_000  # 00:30 Beijing on 1 December


def parse_key_now(now: datetime) -> str:
    from marketplace.core.localtime import local_date

    return local_date(now).strftime("%Y-%m")


DASHBOARD_HAND = """
SELECT p.name,
  -(SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entry e JOIN ledger_account a
      ON a.id = e.account_id WHERE a.code = 'voucher:programme:' || p.id || ':' || 'bureau'),
  (SELECT COALESCE(SUM(x.granted_amount), 0) FROM voucher_application x
    WHERE x.programme_id = p.id AND x.state = 'granted'),
  (SELECT COALESCE(SUM(s.amount - s.returned), 0) FROM voucher_spend s
    WHERE s.programme_id = p.id),
  (SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entry e JOIN ledger_account a
      ON a.id = e.account_id WHERE a.code = 'voucher:programme:' || p.id || ':' || 'budget')
FROM voucher_programme p ORDER BY p.id
"""


def test_the_dashboard_voucher_budgets_match_hand_written_sql(ctx, make):
    """Budget funded, granted, spent (net of refunds), left, and the share granted, per
    programme, now; a refunded deal's voucher counts as not spent."""
    from marketplace.statistics import dashboard
    from marketplace.vouchers import programmes

    s = scene(make)
    granted(s, granted_amount=1_000_000)
    granted(s, amount=500_000)
    programmes.top_up(
        db.session, user(s.operator), s.programme_id, amount=2_000_000, reference="追加"
    )
    kept = agreed_deal(s)
    spending.fund_with_voucher(
        db.session, user(s.buyer), kept, programme_id=s.programme_id, amount=600_000
    )
    refunded = agreed_deal(s)
    spending.fund_with_voucher(
        db.session, user(s.buyer), refunded, programme_id=s.programme_id, amount=200_000
    )
    delivery.cancel(db.session, user(s.buyer), refunded, "不买了")
    db.session.commit()
    filters = dashboard.filters(parse("all"), None, None)
    rows = dashboard.voucher_budgets(db.session, filters, datetime.now(UTC))
    hand = [list(r) for r in db.session.execute(text(DASHBOARD_HAND)).all()]
    assert [r[:5] for r in rows] == [[r[0]] + [int(v) for v in r[1:]] for r in hand]
    name, funded, given, spent, left, share = rows[-1]
    assert (funded, given, spent) == (10_000_000 + 2_000_000, 1_500_000, 600_000)
    assert left == funded - given and share == round(100 * given / funded, 1)
