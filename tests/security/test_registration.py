"""Registration does not tell which addresses have accounts.

Found by an outside review: registering with a taken address answered "This e-mail
address is already registered." (login and password reset were careful not to).
"""

from __future__ import annotations

import re

from marketplace.extensions import db
from marketplace.models import Organization, User
from tests.conftest import PASSWORD

BASE = {
    "password": "long-enough-pw",
    "display_name": "李华",
    "role": "researcher",
    "organization_kind": "university",
}


def body(email: str, org: str) -> dict:
    return dict(BASE, email=email, organization_name=org)


def test_the_api_answers_the_same_for_a_taken_and_a_new_address(app, make, mailbox):
    owner = make.user(email="taken@example.org")
    taken = app.test_client().post(
        "/api/v1/auth/register", json=body("Taken@Example.org", "甲大学")
    )
    fresh = app.test_client().post("/api/v1/auth/register", json=body("new@example.org", "乙大学"))
    assert taken.status_code == fresh.status_code == 202
    assert taken.json == fresh.json
    assert taken.headers.get("Set-Cookie") is None and fresh.headers.get("Set-Cookie") is None
    # The owner is told; no account or organization was made for the taken address.
    mails = dict(mailbox())
    assert "有人尝试用这个邮箱注册" in mails[owner.email]  # zh-CN first
    assert "/register/confirm/" not in mails[owner.email]
    assert "/register/confirm/" in mails["new@example.org"]
    with app.app_context():
        assert db.session.query(User).filter_by(email="taken@example.org").count() == 1
        assert db.session.query(Organization).filter_by(name="甲大学").count() == 0


def test_invalid_input_is_refused_the_same_way_for_both(app, make):
    make.user(email="taken@example.org")
    for email in ("taken@example.org", "new@example.org"):
        r = app.test_client().post(
            "/api/v1/auth/register", json=dict(body(email, "丙大学"), password="short")
        )
        assert r.status_code == 422 and list(r.json["error"]["fields"]) == ["password"], email


def test_the_pages_answer_the_same(app, make, mailbox):
    make.user(email="taken@example.org")
    answers = []
    for email, org in (("taken@example.org", "甲大学"), ("new@example.org", "乙大学")):
        client = app.test_client()
        form = dict(body(email, org), region="宁波")
        r = client.post("/register", data=form)
        page = client.get(r.headers["Location"]).get_data(as_text=True)
        flashes = re.findall(r'<div class="flash [^"]*"[^>]*>(.*?)</div>', page)
        answers.append(
            (r.status_code, r.headers["Location"], [f.replace(email, "@") for f in flashes])
        )
    assert answers[0] == answers[1] and answers[0][2]


def test_a_new_account_logs_in_only_after_the_mailed_link(app, mailbox):
    client = app.test_client()
    client.post("/api/v1/auth/register", json=body("new@example.org", "乙大学"))
    login = {"email": "new@example.org", "password": "long-enough-pw"}
    assert client.post("/api/v1/auth/login", json=login).status_code == 401
    [(_, text)] = mailbox()
    path = re.search(r"https?://[^/\s]+(/register/confirm/\S+)", text).group(1)
    assert client.post(path).status_code == 303
    assert client.get("/api/v1/auth/me").json["email"] == "new@example.org"
    assert app.test_client().post("/api/v1/auth/login", json=login).status_code == 200


def test_registering_again_before_confirming_resends_the_link(app, mailbox):
    c = app.test_client()
    c.post("/api/v1/auth/register", json=body("new@example.org", "乙大学"))
    c.post("/api/v1/auth/register", json=body("new@example.org", "丁大学"))
    mails = mailbox()
    assert len(mails) == 2 and all("/register/confirm/" in text for _, text in mails)


def test_a_password_reset_also_confirms_the_address(app, mailbox):
    from marketplace.accounts import password_reset

    app.test_client().post("/api/v1/auth/register", json=body("new@example.org", "乙大学"))
    with app.app_context():
        user = db.session.query(User).filter_by(email="new@example.org").one()
        token = password_reset.make_token(user, app.config["SECRET_KEY"])
        password_reset.reset_password(db.session, token, PASSWORD, app.config["SECRET_KEY"], 60)
        db.session.commit()
    login = {"email": "new@example.org", "password": PASSWORD}
    assert app.test_client().post("/api/v1/auth/login", json=login).status_code == 200
