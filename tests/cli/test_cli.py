"""flask import / demo load / users create, through Flask's CLI test runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from marketplace.accounts import users as accounts
from marketplace.demo import data as demo_data
from marketplace.extensions import db
from marketplace.models import Demand, Listing, Organization, User, UserRole
from marketplace.models.challenges import Challenge
from marketplace.models.vocab import ROLES
from tests.paths import DEV_DATA

DEV = DEV_DATA


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def invoke(*args, **kw):
        return runner.invoke(args=list(args), **kw)

    return invoke


def demand_line(i: int, **overrides) -> dict:
    line = {
        "id": f"D{i}",
        "title": f"想找一种降低能耗的技术 {i}",
        "description": "我们的车间能耗高。",
        "enterprise": "测试电器有限公司",
        "region": "慈溪",
        "domain": "environment",
        "budget_min_cny": 10000,
        "budget_max_cny": 50000,
        "cooperation_modes": ["assignment"],
        "deadline": "2030-01-31",
        "language": "zh",
    }
    line.update(overrides)
    return line


def write_jsonl(path: Path, lines: list[dict]) -> Path:
    path.write_text(
        "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8"
    )
    return path


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_import_ok_exits_0_and_summarises(app, cli, tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [demand_line(1), demand_line(2)])
    result = cli("import", "demands", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "created 2, updated 0, unchanged 0, failed 0"
    assert result.stderr == ""
    again = cli("import", "demands", str(path))
    assert again.exit_code == 0
    assert again.stdout.strip() == "created 0, updated 0, unchanged 2, failed 0"


def test_import_with_a_failed_line_exits_1_and_lists_it(app, cli, tmp_path):
    path = write_jsonl(
        tmp_path / "d.jsonl",
        [demand_line(1), demand_line(2, domain="cooking"), demand_line(3, budget_min_cny=10**6)],
    )
    result = cli("import", "demands", str(path))
    assert result.exit_code == 1
    assert "created 1, updated 0, unchanged 0, failed 2" in result.stdout
    errors = result.stderr.strip().splitlines()
    assert errors[0].startswith("line 2 (id D2): domain: Must be one of")
    assert errors[1] == "line 3 (id D3): budget_max_cny: The maximum budget is below the minimum."
    assert count(app, Demand) == 1


def test_import_dev_patents_with_publish(app, cli):
    path = DEV / "patents.jsonl"
    if not path.exists():
        pytest.skip(f"{path} is not here")
    lines = sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    result = cli("import", "listings", str(path), "--publish", "--source", "dev")
    assert result.exit_code == 0, result.output
    assert f"created {lines}," in result.stdout
    assert count(app, Listing, Listing.status == "published", Listing.source == "dev") == lines


def test_import_without_publish_waits_for_review(app, cli, tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [demand_line(1)])
    assert cli("import", "demands", str(path)).exit_code == 0
    assert count(app, Demand, Demand.status == "pending_review") == 1
    assert cli("import", "demands", str(path), "--publish").exit_code == 0
    assert count(app, Demand, Demand.status == "published") == 1


def test_import_refuses_an_unknown_extension(cli, tmp_path):
    path = tmp_path / "d.json"
    path.write_text("{}", encoding="utf-8")
    result = cli("import", "demands", str(path))
    assert result.exit_code != 0
    assert ".jsonl" in result.output


def test_demo_load_is_idempotent_and_covers_every_role(app, cli):
    first = cli("demo", "load")
    assert first.exit_code == 0, first.output
    for role, password in demo_data.DEMO_PASSWORDS.items():
        assert role in first.stdout and password in first.stdout
    numbers = {m: count(app, m) for m in (Organization, User, Listing, Demand)}
    assert numbers[Organization] == len(demo_data.ORGANIZATIONS)
    assert numbers[Listing] == len(demo_data.LISTINGS) >= 25
    assert numbers[Demand] == len(demo_data.DEMANDS) >= 12
    with app.app_context():
        assert set(db.session.scalars(select(UserRole.role))) == set(ROLES)
        statuses = set(db.session.scalars(select(Listing.status)))
        assert {"published", "draft", "pending_review", "rejected"} <= statuses
        domains = set(db.session.scalars(select(Listing.domain)))
        assert len(domains) >= 10
        for account in demo_data.ACCOUNTS:
            password = demo_data.DEMO_PASSWORDS[account.role]
            assert accounts.authenticate(db.session, account.email, password) is not None
    # The broker directory is not empty, and the broker has one name.
    directory = app.test_client().get("/brokers").get_data(as_text=True)
    broker = next(a for a in demo_data.ACCOUNTS if a.role == "broker")
    assert broker.name in directory and "共 1 位经纪人" in directory
    # An open innovation voucher programme to apply to.
    assert demo_data.VOUCHER_PROGRAMME["name"] in app.test_client().get("/vouchers").get_data(
        as_text=True
    )
    # The 榜单 hall shows the open, funded challenge; the other waits for review.
    hall = app.test_client().get("/challenges").get_data(as_text=True)
    open_one, pending = (c[2]["title"] for c in demo_data.CHALLENGES)
    assert open_one in hall and "资金已托管" in hall and pending not in hall
    with app.app_context():
        states = dict(db.session.execute(select(Challenge.title, Challenge.state)).all())
    assert states == {open_one: "open", pending: "pending_review"}

    second = cli("demo", "load")
    assert second.exit_code == 0
    assert "already loaded" in second.stdout
    assert {m: count(app, m) for m in numbers} == numbers


def test_users_create_operator_from_stdin(app, cli):
    result = cli(
        "users",
        "create",
        "Ops@Example.org",
        "--role",
        "operator",
        "--name",
        "运营",
        "--password-stdin",
        input="a-long-password\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = accounts.authenticate(db.session, "ops@example.org", "a-long-password")
        assert user is not None and user.roles == {"operator"}
        assert user.organization_id is None


def test_users_create_prompts_and_joins_an_organization(app, cli, make):
    org = make.organization("university", name="测试大学")
    result = cli(
        "users",
        "create",
        "r@example.org",
        "--role",
        "researcher",
        "--name",
        "研究员",
        "--organization",
        "测试大学",
        input="another-password\nanother-password\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = accounts.find_user_by_email(db.session, "r@example.org")
        assert user.organization_id == org.id


def test_users_create_reports_a_short_password(app, cli):
    result = cli(
        "users",
        "create",
        "x@example.org",
        "--role",
        "operator",
        "--name",
        "x",
        "--password-stdin",
        input="short\n",
    )
    assert result.exit_code == 1
    assert "password" in result.output
    assert count(app, User) == 0


def test_demo_operator_and_broker_log_in_with_the_published_second_factor(app, cli, monkeypatch):
    import pyotp

    monkeypatch.setitem(app.config, "SECOND_FACTOR_ENFORCED", True)
    result = cli("demo", "load")
    assert result.exit_code == 0, result.output
    for role, secret in demo_data.DEMO_TOTP_SECRETS.items():
        assert secret in result.stdout
        email = next(a.email for a in demo_data.ACCOUNTS if a.role == role)
        client = app.test_client()
        body = {"email": email, "password": demo_data.DEMO_PASSWORDS[role]}
        assert client.post("/api/v1/auth/login", json=body).status_code == 202
        code = {"code": pyotp.TOTP(secret).now()}
        r = client.post("/api/v1/auth/login/second-factor", json=code)
        assert r.status_code == 200, r.json
        assert client.get("/api/v1/notifications").status_code == 200  # enrolled already
