"""The second factor (issue 15, point 6): TOTP enrolment with a QR code, recovery codes,
login in two steps, codes accepted once, step-up for money actions, operators and brokers
sent to enrol first.

Time: the TOTP clock is ``accounts.second_factor.utcnow`` and the step-up clock
``accounts.sessions.utcnow``; the ``clock`` fixture moves both (monkeypatch), so a test
can use several codes and let a verification grow old without waiting.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest

from marketplace import create_app
from marketplace.accounts import second_factor, sessions
from marketplace.extensions import db
from marketplace.models import (
    AuditEntry,
    LoginSession,
    PayoutInstruction,
    RecoveryCode,
    SecondFactor,
    User,
)
from marketplace.models.types import utcnow
from tests.conftest import PASSWORD
from tests.security.world import fresh_world
from tests.views.conftest import text

AUTH = "/api/v1/auth"
KEYS = ["test-only-secret"]  # the test app's SECRET_KEY: SECOND_FACTOR_KEYS is unset


class Clock:
    def __init__(self):
        self.now = utcnow()

    def __call__(self):
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(second_factor, "utcnow", c)
    monkeypatch.setattr(sessions, "utcnow", c)
    return c


@pytest.fixture
def enforce_second_factor(app, monkeypatch):
    monkeypatch.setitem(app.config, "SECOND_FACTOR_ENFORCED", True)


def code_at(secret: str, clock: Clock, offset_steps: int = 0) -> str:
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(clock.now) + offset_steps)


def enrol(app, user: User, clock: Clock) -> tuple[str, list[str]]:
    """Set up a second factor through the service; returns the secret and recovery codes.
    The clock moves on a step, so that the next code is a new one."""
    with app.app_context():
        person = db.session.get(User, user.id)
        secret, _ = second_factor.begin_enrolment(db.session, person, KEYS)
        codes = second_factor.confirm_enrolment(
            db.session, person, code_at(secret, clock), KEYS, at=clock.now
        )
        db.session.commit()
    clock.advance(30)
    return secret, codes


def api_login(client, user: User):
    return client.post(f"{AUTH}/login", json={"email": user.email, "password": PASSWORD})


def audit_actions(app, user: User) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                db.select(AuditEntry.action)
                .where(AuditEntry.actor_id == user.id, AuditEntry.action.like("second_factor.%"))
                .order_by(AuditEntry.id)
            )
        )


# Enrolment ---------------------------------------------------------------------------------


def test_enrolment_shows_the_secret_once_and_gives_ten_recovery_codes(app, make, clock):
    user = make.user()
    client = app.test_client(user=user)
    assert client.get(f"{AUTH}/second-factor").json == {
        "enabled": False,
        "enabled_at": None,
        "required": False,
        "recovery_codes_left": 0,
    }
    begun = client.post(f"{AUTH}/second-factor/enrolment")
    assert begun.status_code == 201, begun.json
    secret = begun.json["secret"]
    assert begun.json["otpauth_uri"].startswith("otpauth://totp/")
    assert f"secret={secret}" in begun.json["otpauth_uri"]
    assert begun.json["qr_svg"].startswith("<svg") and "<path" in begun.json["qr_svg"]
    with app.app_context():
        stored = db.session.get(SecondFactor, user.id)
        assert secret not in stored.secret_encrypted and stored.enabled_at is None

    wrong = client.post(f"{AUTH}/second-factor/enrolment/confirm", json={"code": "000000"})
    assert wrong.status_code == 422 and "code" in wrong.json["error"]["fields"]
    done = client.post(
        f"{AUTH}/second-factor/enrolment/confirm", json={"code": code_at(secret, clock)}
    )
    assert done.status_code == 201, done.json
    codes = done.json["recovery_codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    status = client.get(f"{AUTH}/second-factor").json
    assert status["enabled"] and status["recovery_codes_left"] == 10
    # Nothing shows the secret again, and a second enrolment is refused.
    assert client.post(f"{AUTH}/second-factor/enrolment").status_code == 409
    with app.app_context():
        hashes = db.session.scalars(db.select(second_factor.RecoveryCode.code_hash)).all()
        assert not any(c.replace("-", "") in h for c in codes for h in hashes)
    assert audit_actions(app, user) == ["second_factor.enabled"]


def test_enrolment_needs_a_browser_session_with_a_recent_password(app, make, clock):
    user = make.user()
    client = app.test_client(user=user)
    with app.app_context():
        row = db.session.scalars(db.select(LoginSession).where(LoginSession.user_id == user.id))
        row.one().verified_at = utcnow() - timedelta(hours=1)
        db.session.commit()
    r = client.post(f"{AUTH}/second-factor/enrolment")
    assert r.status_code == 403 and r.json["error"]["code"] == "reauthentication_required"
    token = make_token(app, user)
    r = app.test_client().post(
        f"{AUTH}/second-factor/enrolment", headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 401


def make_token(app, user: User) -> str:
    from marketplace.accounts import tokens

    with app.app_context():
        _, secret = tokens.create(db.session, db.session.get(User, user.id), "t", tokens.SCOPES)
        db.session.commit()
    return secret


def test_enrolment_page_draws_the_qr_code_and_shows_recovery_codes(app, make, clock):
    user = make.user()
    client = app.test_client(user=user)
    page = client.get("/account/second-factor")
    assert page.status_code == 200 and "设置第二重验证" in text(page)
    enrol_page = client.post("/account/second-factor/enrol")
    html = text(enrol_page)
    assert enrol_page.status_code == 200 and "<svg" in html and "扫描" in html
    with app.app_context():
        secret = second_factor.pending_enrolment(db.session, db.session.get(User, user.id), KEYS)[0]
    assert secret in html
    wrong = client.post("/account/second-factor/confirm", data={"code": "12"})
    assert wrong.status_code == 422 and "<svg" in text(wrong) and "验证码不正确" in text(wrong)
    done = client.post("/account/second-factor/confirm", data={"code": code_at(secret, clock)})
    assert done.status_code == 200 and "恢复码" in text(done)
    assert text(done).count("<li><code>") == 10
    assert "已开启" in text(client.get("/account/second-factor"))


# Logging in --------------------------------------------------------------------------------


def test_api_login_without_a_second_factor_is_one_step(app, make, client):
    r = api_login(client, make.user())
    assert r.status_code == 200 and r.json["csrf_token"]


def test_api_login_with_a_second_factor_needs_the_code(app, make, client, clock):
    user = make.user()
    secret, _ = enrol(app, user, clock)
    r = api_login(client, user)
    assert r.status_code == 202 and r.json["second_factor_required"] is True
    assert client.get(f"{AUTH}/me").status_code == 401  # no session yet
    wrong = client.post(f"{AUTH}/login/second-factor", json={"code": "123456"})
    assert wrong.status_code == 422
    assert client.get(f"{AUTH}/me").status_code == 401
    ok = client.post(f"{AUTH}/login/second-factor", json={"code": code_at(secret, clock)})
    assert ok.status_code == 200 and ok.json["email"] == user.email
    assert client.get(f"{AUTH}/me").status_code == 200
    # The waiting state is gone with the login: a second code logs nobody in again.
    client.post(f"{AUTH}/logout")
    again = client.post(f"{AUTH}/login/second-factor", json={"code": code_at(secret, clock, 1)})
    assert again.status_code == 401


def test_a_code_is_accepted_once(app, make, clock):
    user = make.user()
    secret, _ = enrol(app, user, clock)
    code = code_at(secret, clock)
    first, second = app.test_client(), app.test_client()
    api_login(first, user)
    assert first.post(f"{AUTH}/login/second-factor", json={"code": code}).status_code == 200
    api_login(second, user)  # someone who saw the code over a shoulder, same 30 s
    replay = second.post(f"{AUTH}/login/second-factor", json={"code": code})
    assert replay.status_code == 422 and "used" in replay.json["error"]["fields"]["code"][0]
    # The next step's code works.
    clock.advance(30)
    ok = second.post(f"{AUTH}/login/second-factor", json={"code": code_at(secret, clock)})
    assert ok.status_code == 200


def test_one_step_of_drift_either_side_is_accepted_and_no_more(app, make, clock):
    user = make.user()
    secret, _ = enrol(app, user, clock)
    clock.advance(60)  # well past the step used to enrol
    with app.app_context():
        person = db.session.get(User, user.id)

        def check(offset: int) -> bool:
            try:
                second_factor.verify(
                    db.session, person, KEYS, code=code_at(secret, clock, offset), at=clock.now
                )
                return True
            except second_factor.WrongCode:
                return False

        assert not check(-2)
        assert check(-1)  # the phone is 30 s slow
        clock.advance(90)
        assert check(1)  # 30 s fast
        assert not check(2)
        db.session.rollback()


def test_a_recovery_code_logs_in_once(app, make, clock):
    user = make.user()
    _, codes = enrol(app, user, clock)
    client = app.test_client()
    api_login(client, user)
    r = client.post(f"{AUTH}/login/second-factor", json={"recovery_code": codes[3].upper()})
    assert r.status_code == 200, r.json
    assert client.get(f"{AUTH}/second-factor").json["recovery_codes_left"] == 9
    assert audit_actions(app, user) == [
        "second_factor.enabled",
        "second_factor.recovery_code_used",
    ]
    other = app.test_client()
    api_login(other, user)
    again = other.post(f"{AUTH}/login/second-factor", json={"recovery_code": codes[3]})
    assert again.status_code == 422 and "recovery_code" in again.json["error"]["fields"]


class CountedHashes:
    """check_password_hash as second_factor calls it, counting each verification."""

    def __init__(self, monkeypatch):
        self.calls = 0
        real = second_factor.check_password_hash

        def counted(*args, **kwargs):
            self.calls += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(second_factor, "check_password_hash", counted)


def test_a_recovery_code_costs_at_most_one_hash_to_check(app, make, clock, monkeypatch):
    """Each code of a set starts differently (its stored lookup): a wrong code is checked
    against at most one hash, not ten (~3.4 s of CPU per try before)."""
    user = make.user()
    _, codes = enrol(app, user, clock)
    assert len({c[:2] for c in codes}) == 10
    hashes = CountedHashes(monkeypatch)
    with app.app_context():
        person = db.session.get(User, user.id)
        for wrong in (codes[0][:2] + "zzz-zzzzz", "zz" + codes[0][2:], "22222-22222"):
            if wrong[:2] in {c[:2] for c in codes[1:]} and wrong[:2] != codes[0][:2]:
                continue  # a made-up code that happens to start like another real one
            before = hashes.calls
            with pytest.raises(second_factor.WrongCode):
                second_factor.verify(db.session, person, KEYS, recovery_code=wrong)
            assert hashes.calls - before <= 1, wrong
        before = hashes.calls
        assert second_factor.verify(db.session, person, KEYS, recovery_code=codes[7]) == (
            "recovery_code"
        )
        assert hashes.calls - before == 1


def test_recovery_codes_from_before_the_lookup_still_work(app, make, clock, monkeypatch):
    """Codes stored before migration 0018 have no lookup: each is tried, as before, until
    the person makes new ones."""
    user = make.user()
    _, codes = enrol(app, user, clock)
    with app.app_context():
        db.session.execute(
            db.update(RecoveryCode).where(RecoveryCode.user_id == user.id).values(lookup=None)
        )
        db.session.commit()
        hashes = CountedHashes(monkeypatch)
        person = db.session.get(User, user.id)
        assert second_factor.verify(db.session, person, KEYS, recovery_code=codes[9]) == (
            "recovery_code"
        )
        assert 1 <= hashes.calls <= 10


def test_new_recovery_codes_replace_the_old_ones(app, make, clock):
    user = make.user()
    secret, old = enrol(app, user, clock)
    client = app.test_client(user=user)
    r = client.post(f"{AUTH}/second-factor/recovery-codes", json={"code": code_at(secret, clock)})
    assert r.status_code == 201 and len(r.json["recovery_codes"]) == 10
    assert set(r.json["recovery_codes"]).isdisjoint(old)
    fresh = app.test_client()
    api_login(fresh, user)
    assert (
        fresh.post(f"{AUTH}/login/second-factor", json={"recovery_code": old[0]}).status_code == 422
    )
    new = r.json["recovery_codes"][0]
    assert fresh.post(f"{AUTH}/login/second-factor", json={"recovery_code": new}).status_code == 200
    assert "second_factor.recovery_codes_renewed" in audit_actions(app, user)


def test_disabling_needs_the_password_and_a_code(app, make, clock):
    user = make.user()
    secret, _ = enrol(app, user, clock)
    client = app.test_client(user=user)
    url = f"{AUTH}/second-factor/disable"
    wrong_pw = client.post(url, json={"password": "nope-nope", "code": code_at(secret, clock)})
    assert wrong_pw.status_code == 422 and "password" in wrong_pw.json["error"]["fields"]
    wrong_code = client.post(url, json={"password": PASSWORD, "code": "000000"})
    assert wrong_code.status_code == 422
    ok = client.post(url, json={"password": PASSWORD, "code": code_at(secret, clock)})
    assert ok.status_code == 204
    assert client.get(f"{AUTH}/second-factor").json["enabled"] is False
    assert audit_actions(app, user)[-1] == "second_factor.disabled"
    assert api_login(app.test_client(), user).status_code == 200  # one step again


def test_page_login_asks_for_the_code_then_goes_on(app, make, client, clock):
    user = make.user()
    secret, codes = enrol(app, user, clock)
    r = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "next": "/my/organization"}
    )
    assert r.status_code == 303 and r.headers["Location"].endswith("/login/second-factor")
    page = client.get("/login/second-factor")
    assert page.status_code == 200 and "验证器" in text(page)
    assert client.get("/my/organization").status_code == 302  # not logged in yet
    wrong = client.post("/login/second-factor", data={"code": "000000"})
    assert wrong.status_code == 422 and 'role="alert"' in text(wrong)
    ok = client.post("/login/second-factor", data={"code": code_at(secret, clock)})
    assert ok.status_code == 303 and ok.headers["Location"].endswith("/my/organization")
    assert client.get("/my/organization").status_code == 200


def test_the_code_page_waits_only_a_few_minutes(app, make, client, clock, monkeypatch):
    user = make.user()
    secret, _ = enrol(app, user, clock)
    api_login(client, user)
    monkeypatch.setitem(app.config, "SECOND_FACTOR_LOGIN_MAX_AGE", -1)
    r = client.post(f"{AUTH}/login/second-factor", json={"code": code_at(secret, clock)})
    assert r.status_code == 401


def test_code_attempts_are_limited_per_account(app, make, clock, rate_limits, monkeypatch):
    monkeypatch.setitem(app.config, "SECOND_FACTOR_RATE_LIMIT", "3 per minute")
    user = make.user()
    secret, _ = enrol(app, user, clock)
    statuses = []
    for n in range(4):  # from different addresses: the account's allowance is shared
        c = app.test_client()
        c.environ_base["REMOTE_ADDR"] = f"198.51.100.{n + 1}"
        api_login(c, user)
        statuses.append(c.post(f"{AUTH}/login/second-factor", json={"code": "000000"}))
    assert [r.status_code for r in statuses] == [422, 422, 422, 429]
    assert statuses[-1].json["error"]["code"] == "rate_limited"
    assert 0 < int(statuses[-1].headers["Retry-After"]) <= 60


# Tokens and step-up -----------------------------------------------------------------------


def _age_session(app, user: User, minutes: int) -> None:
    with app.app_context():
        for row in db.session.scalars(
            db.select(LoginSession).where(LoginSession.user_id == user.id)
        ):
            row.verified_at = utcnow() - timedelta(minutes=minutes)
        db.session.commit()


def test_a_code_counts_as_a_recent_check_for_creating_tokens(app, make, clock):
    user = make.user()
    secret, _ = enrol(app, user, clock)
    client = app.test_client(user=user)
    _age_session(app, user, 60)
    refused = client.post(f"{AUTH}/tokens", json={"name": "ci"})
    assert refused.status_code == 403
    assert client.post(f"{AUTH}/verify", json={"code": "000000"}).status_code == 422
    assert client.post(f"{AUTH}/verify", json={"code": code_at(secret, clock)}).status_code == 204
    assert client.post(f"{AUTH}/tokens", json={"name": "ci"}).status_code == 201
    both = client.post(f"{AUTH}/verify", json={"password": PASSWORD, "code": "1"})
    assert both.status_code == 422


def test_money_actions_need_a_recent_second_factor(app, make, clock):
    world = fresh_world(app, make)
    operator = world.users["operator"]
    secret, _ = enrol(app, operator, clock)
    client = app.test_client()
    api_login(client, operator)
    csrf = client.post(f"{AUTH}/login/second-factor", json={"code": code_at(secret, clock)})
    assert csrf.status_code == 200
    # Just verified: the payout goes through.
    r = client.post(
        f"/api/v1/deals/payouts/{world.ids['payout']}/execute", json={"reference": "B-1"}
    )
    assert r.status_code == 200, r.json
    # Six minutes later (the limit is 5) the bank transfer asks for a code again.
    clock.advance(6 * 60)
    url = f"/api/v1/deals/{world.ids['deal_agreed']}/funding/confirm"
    body = {"reference": world.funding_reference, "amount": 1_000_000}
    r = client.post(url, json=body)
    assert r.status_code == 403 and r.json["error"]["code"] == "second_factor_required"
    assert client.post(f"{AUTH}/verify", json={"code": code_at(secret, clock)}).status_code == 204
    assert client.post(url, json=body).status_code == 200
    # Resolving a dispute: a code in the header works too, once.
    deal, milestone = world.ids["deal"], world.ids["milestone"]
    assert (
        world.client("enterprise")
        .post(f"/api/v1/deals/{deal}/milestones/{milestone}/dispute", json={"reason": "不合格"})
        .status_code
        == 200
    )
    clock.advance(6 * 60)
    resolve = f"/api/v1/deals/{deal}/milestones/{milestone}/resolve"
    wrong = client.post(resolve, json={"outcome": "refund"}, headers={"X-Second-Factor": "1"})
    assert wrong.status_code == 403 and wrong.json["error"]["code"] == "second_factor_required"
    good = {"X-Second-Factor": code_at(secret, clock)}
    assert client.post(resolve, json={"outcome": "refund"}, headers=good).status_code == 200


def test_a_token_passes_step_up_with_a_code_in_the_header(app, make, clock):
    world = fresh_world(app, make)
    operator = world.users["operator"]
    secret, _ = enrol(app, operator, clock)
    bearer = {"Authorization": f"Bearer {make_token(app, operator)}"}
    url = f"/api/v1/deals/payouts/{world.ids['payout']}/execute"
    r = app.test_client().post(url, json={"reference": "B-2"}, headers=bearer)
    assert r.status_code == 403 and r.json["error"]["code"] == "second_factor_required"
    headers = bearer | {"X-Second-Factor": code_at(secret, clock)}
    assert (
        app.test_client().post(url, json={"reference": "B-2"}, headers=headers).status_code == 200
    )


def test_without_a_second_factor_money_actions_need_no_code(app, make):
    world = fresh_world(app, make)
    r = world.client("operator").post(
        f"/api/v1/deals/payouts/{world.ids['payout']}/execute", json={"reference": "B-3"}
    )
    assert r.status_code == 200


def test_the_payout_page_asks_for_the_code_and_then_pays(app, make, clock):
    world = fresh_world(app, make)
    operator = world.users["operator"]
    secret, _ = enrol(app, operator, clock)
    client = world.client("operator")  # a session without a second factor checked
    url = f"/operator/payouts/{world.ids['payout']}/execute"
    asked = client.post(url, data={"reference": "B-9"})
    html = text(asked)
    assert asked.status_code == 403 and "second_factor_code" in html
    assert 'name="reference" value="B-9"' in html and f'action="{url}"' in html
    assert "此操作涉及资金" in html
    wrong = client.post(url, data={"reference": "B-9", "second_factor_code": "000000"})
    assert wrong.status_code == 422
    with app.app_context():
        payout = db.session.get(PayoutInstruction, world.ids["payout"])
        assert payout.status == "pending"
    done = client.post(url, data={"reference": "B-9", "second_factor_code": code_at(secret, clock)})
    assert done.status_code == 303
    with app.app_context():
        payout = db.session.get(PayoutInstruction, world.ids["payout"])
        assert payout.status == "executed" and payout.reference == "B-9"


# Operators and brokers enrol first --------------------------------------------------------


@pytest.mark.usefixtures("enforce_second_factor")
@pytest.mark.parametrize("role", ["operator", "broker"])
def test_operators_and_brokers_are_sent_to_enrol(app, make, clock, role):
    user = make.operator() if role == "operator" else make.user("broker")
    client = app.test_client(user=user)
    page = client.get("/operator/funding" if role == "operator" else "/brokers/me")
    assert page.status_code == 302 and page.headers["Location"].endswith("/account/second-factor")
    home = client.get("/")
    assert home.status_code == 302
    api = client.get("/api/v1/notifications")
    assert api.status_code == 403
    assert api.json["error"]["code"] == "second_factor_enrolment_required"
    # What enrolling needs stays open.
    assert client.get("/account/second-factor").status_code == 200
    assert client.get(f"{AUTH}/me").status_code == 200
    begun = client.post(f"{AUTH}/second-factor/enrolment").json
    r = client.post(
        f"{AUTH}/second-factor/enrolment/confirm", json={"code": code_at(begun["secret"], clock)}
    )
    assert r.status_code == 201
    assert client.get("/api/v1/notifications").status_code == 200
    assert client.get("/").status_code == 200


@pytest.mark.usefixtures("enforce_second_factor")
@pytest.mark.parametrize("role", ["operator", "broker"])
def test_every_api_refusal_of_an_unenrolled_operator_is_documented(app, make, role):
    """Public reads included: such an account sees more than the public (an operator,
    items under review), so it uses the API only once enrolled. Every operation the
    OpenAPI document lists answers it with a status the document lists (the fuzzer's
    rule), and the 403 is second_factor_enrolment_required."""
    from marketplace.api.spec import OPEN_DURING_ENROLMENT, WEBHOOK_PATHS

    user = make.operator() if role == "operator" else make.user("broker")
    client = app.test_client(user=user)
    spec = client.get("/api/openapi.json").json
    assert spec is not None
    refused = 0
    for path, item in spec["paths"].items():
        if path in WEBHOOK_PATHS:
            continue
        for method, operation in item.items():
            if method == "parameters":
                continue
            if path.startswith(OPEN_DURING_ENROLMENT):
                assert "403" not in operation["responses"] or method != "get", (method, path)
                continue
            url = re.sub(r"\{[^}]+\}", "1", path)
            r = client.open(url, method=method.upper(), json={} if method != "get" else None)
            assert str(r.status_code) in operation["responses"], (method, path, r.status_code)
            if r.status_code == 404:  # "1" is not a value this path's converter takes
                continue
            assert r.status_code == 403, (method, path, r.status_code)
            assert r.json["error"]["code"] == "second_factor_enrolment_required"
            refused += 1
    assert refused > 80
    listings = spec["paths"]["/api/v1/listings"]["get"]
    assert "403" in listings["responses"] and {} in spec["security"]


@pytest.mark.usefixtures("enforce_second_factor")
def test_other_roles_are_not_sent_to_enrol(app, make):
    client = app.test_client(user=make.user("researcher"))
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/notifications").status_code == 200


def test_the_enrolment_switch_is_on_outside_tests(tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    production = create_app(
        {
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "SECOND_FACTOR_ENFORCED": False,
        }
    )
    assert production.config["SECOND_FACTOR_ENFORCED"] is True


def test_pages_renew_recovery_codes_and_turn_the_second_factor_off(app, make, clock):
    user = make.user()
    secret, old = enrol(app, user, clock)
    client = app.test_client(user=user)
    page = text(client.get("/account/second-factor"))
    assert "剩余恢复码：10 个" in page and "关闭第二重验证" in page
    wrong = client.post("/account/second-factor/recovery-codes", data={"code": "000000"})
    assert wrong.status_code == 422 and "验证码不正确" in text(wrong)
    renewed = client.post(
        "/account/second-factor/recovery-codes", data={"code": code_at(secret, clock)}
    )
    assert renewed.status_code == 200 and text(renewed).count("<li><code>") == 10
    assert not any(code in text(renewed) for code in old)
    refused = client.post(
        "/account/second-factor/disable", data={"password": "wrong-password", "code": old[0]}
    )
    assert refused.status_code == 422 and "密码不正确" in text(refused)
    clock.advance(30)
    off = client.post(
        "/account/second-factor/disable",
        data={"password": PASSWORD, "code": code_at(secret, clock)},
    )
    assert off.status_code == 303
    assert "设置第二重验证" in text(client.get("/account/second-factor"))
    assert audit_actions(app, user) == [
        "second_factor.enabled",
        "second_factor.recovery_codes_renewed",
        "second_factor.disabled",
    ]
