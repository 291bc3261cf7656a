"""Programmes, applications and grants: the caps, the budget, the ledger and the notices."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.core import ledger
from marketplace.core.errors import Conflict, Forbidden, Invalid
from marketplace.core.localtime import today
from marketplace.extensions import db
from marketplace.models import Notification, VoucherApplication, VoucherProgramme
from marketplace.vouchers import applications, money, programmes
from tests.mails import messages
from tests.vouchers.fixtures import (
    BUDGET,
    CAP,
    YEAR_CAP,
    granted,
    programme_data,
    scene,
    user,
    verify,
)


def _programme(pid: int) -> VoucherProgramme:
    return db.session.get(VoucherProgramme, pid)


def _clean() -> None:
    assert ledger.check(db.session) == []
    assert money.voucher_violations(db.session) == []


def test_creating_a_programme_funds_its_budget_from_the_bureau(ctx, make):
    s = scene(make)
    p = _programme(s.programme_id)
    assert money.budget_balance(db.session, p) == BUDGET
    assert money.funded(db.session, p) == BUDGET
    assert money.budget_account(db.session, p).kind == "voucher_budget"
    programmes.top_up(db.session, user(s.operator), p.id, amount=500, reference="BUR-2")
    assert money.budget_balance(db.session, p) == BUDGET + 500
    with pytest.raises(Conflict):  # the same transfer twice funds once
        programmes.top_up(db.session, user(s.operator), p.id, amount=500, reference="BUR-2")
    assert programmes.view(db.session, _programme(p.id))["budget_left"] == BUDGET + 500
    _clean()


def test_only_operators_define_programmes_and_the_rules_are_checked(ctx, make):
    s = scene(make)
    with pytest.raises(Forbidden):
        programmes.create(db.session, user(s.buyer), programme_data(), budget=1, reference="X")
    with pytest.raises(Invalid) as err:
        programmes.create(
            db.session,
            user(s.operator),
            programme_data(per_year_cap=CAP - 1, valid_to=today() - timedelta(days=400)),
            budget=0,
            reference="X",
        )
    assert set(err.value.fields) == {"budget", "per_year_cap", "valid_to"}


def test_only_verified_enterprises_apply_within_the_cap(ctx, make):
    s = scene(make)
    with pytest.raises(Forbidden):  # a university is not an applicant
        applications.apply(db.session, user(s.supplier), s.programme_id, amount=100, purpose="x")
    unverified = make.user("enterprise_member")
    with pytest.raises(Forbidden):
        applications.apply(db.session, user(unverified), s.programme_id, amount=100, purpose="x")
    with pytest.raises(Invalid) as err:
        applications.apply(db.session, user(s.buyer), s.programme_id, amount=CAP + 1, purpose="")
    assert set(err.value.fields) == {"amount", "purpose"}


def test_a_grant_moves_budget_to_the_wallet_and_tells_the_applicant(ctx, make, mailbox):
    s = scene(make)
    aid = granted(s, amount=CAP, granted_amount=CAP // 2)
    application = db.session.get(VoucherApplication, aid)
    assert (application.state, application.granted_amount) == ("granted", CAP // 2)
    p = _programme(s.programme_id)
    assert money.wallet_balance(db.session, s.buyer.organization_id, p) == CAP // 2
    assert money.budget_balance(db.session, p) == BUDGET - CAP // 2
    note = db.session.scalar(
        select(Notification).where(
            Notification.user_id == s.buyer.id, Notification.kind == "voucher_granted"
        )
    )
    assert note is not None and note.email_state == "sent", note.email_error
    mails = [text for to, text in messages(mailbox) if to == s.buyer.email]
    assert any("/vouchers/mine" in text for text in mails), mails
    assert applications.wallets(db.session, user(s.buyer))[0]["balance"] == CAP // 2
    with pytest.raises(Conflict):  # decided once
        applications.grant(db.session, user(s.operator), aid)
    _clean()


def test_a_refusal_needs_a_reason_and_moves_no_money(ctx, make):
    s = scene(make)
    app = applications.apply(db.session, user(s.buyer), s.programme_id, amount=100, purpose="x")
    with pytest.raises(Invalid):
        applications.refuse(db.session, user(s.operator), app.id, reason="  ")
    applications.refuse(db.session, user(s.operator), app.id, reason="材料不全")
    assert db.session.get(VoucherApplication, app.id).state == "refused"
    assert (
        money.wallet_balance(db.session, s.buyer.organization_id, _programme(s.programme_id)) == 0
    )
    assert db.session.scalar(
        select(Notification.id).where(
            Notification.user_id == s.buyer.id, Notification.kind == "voucher_refused"
        )
    )


def test_the_year_cap_and_the_budget_limit_grants(ctx, make):
    s = scene(make, budget=CAP * 3, per_year_cap=CAP * 2)
    granted(s)
    granted(s)
    third = applications.apply(db.session, user(s.buyer), s.programme_id, amount=1, purpose="x")
    with pytest.raises(Conflict) as err:
        applications.grant(db.session, user(s.operator), third.id)
    assert err.value.code == "year_cap"
    other = make.user("enterprise_member")
    verify(make, other.organization_id)
    big = applications.apply(db.session, user(other), s.programme_id, amount=CAP, purpose="x")
    small = applications.apply(db.session, user(other), s.programme_id, amount=CAP, purpose="y")
    applications.grant(db.session, user(s.operator), big.id, amount=CAP - 10)
    with pytest.raises(Conflict) as err:
        applications.grant(db.session, user(s.operator), small.id)
    assert err.value.code == "budget_exhausted"
    applications.grant(db.session, user(s.operator), small.id, amount=10)
    assert money.budget_balance(db.session, _programme(s.programme_id)) == 0
    _clean()


def test_the_year_is_the_shanghai_year(ctx, make):
    from datetime import UTC, datetime

    s = scene(make, per_year_cap=CAP)
    aid = granted(s)
    application = db.session.get(VoucherApplication, aid)
    # 2026-12-31 16:30 UTC is already 2027-01-01 in Shanghai.
    application.decided_at = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)
    db.session.commit()
    new_year = datetime(2027, 1, 1, 1, 0, tzinfo=UTC)
    old_year = datetime(2026, 12, 31, 15, 0, tzinfo=UTC)
    count = applications.granted_in_year
    assert count(db.session, s.programme_id, s.buyer.organization_id, new_year) == CAP
    assert count(db.session, s.programme_id, s.buyer.organization_id, old_year) == 0
    assert YEAR_CAP > CAP


def test_an_expired_programme_grants_nothing_more(ctx, make):
    s = scene(make)
    app = applications.apply(db.session, user(s.buyer), s.programme_id, amount=100, purpose="x")
    p = _programme(s.programme_id)
    p.valid_from, p.valid_to = today() - timedelta(days=60), today() - timedelta(days=1)
    db.session.commit()
    with pytest.raises(Conflict) as err:
        applications.grant(db.session, user(s.operator), app.id)
    assert err.value.code == "programme_closed"
    with pytest.raises(Conflict):
        applications.apply(db.session, user(s.buyer), s.programme_id, amount=100, purpose="x")
    assert money.wallet_balance(db.session, s.buyer.organization_id, _programme(p.id)) == 0
