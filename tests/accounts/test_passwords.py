"""Password hashes: what production stores (the suite itself hashes at a cheap cost)."""

from werkzeug.security import check_password_hash

from marketplace.accounts import users as accounts
from marketplace.models import User
from tests.conftest import PASSWORD, PRODUCTION_PASSWORD_HASH_METHOD


def test_production_hashes_with_scrypt_at_its_default_cost(monkeypatch):
    assert PRODUCTION_PASSWORD_HASH_METHOD == "scrypt"
    monkeypatch.setattr(accounts, "PASSWORD_HASH_METHOD", PRODUCTION_PASSWORD_HASH_METHOD)
    hashed = accounts.hash_password(PASSWORD)
    assert hashed.startswith("scrypt:32768:8:1$")  # n=2**15, r=8, p=1
    assert check_password_hash(hashed, PASSWORD)
    assert not check_password_hash(hashed, PASSWORD + "x")
    # An unknown address is checked against a dummy hash of the same cost (no timing leak).
    assert accounts._dummy_hash().startswith("scrypt:32768:8:1$")


def test_the_suite_hashes_cheaply_and_the_dummy_hash_follows(ctx, make):
    user = make.user("researcher")
    assert ctx.get(User, user.id).password_hash.startswith("scrypt:1024:8:1$")
    assert accounts._dummy_hash().startswith("scrypt:1024:8:1$")
    assert accounts.authenticate(ctx, user.email, PASSWORD).id == user.id
    assert accounts.authenticate(ctx, "nobody@example.org", PASSWORD) is None
