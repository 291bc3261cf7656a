"""deploy/: the compose file and the systemd units, checked statically (no container runs
here). They must name variables the app reads, commands it has, and entry points that
exist, so that a renamed setting or command breaks this test rather than a deployment."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def settings_the_app_reads() -> set[str]:
    source = (ROOT / "marketplace/config.py").read_text()
    names = set(re.findall(r"(?:os\.environ\.get|_bool)\(\s*\"([A-Z0-9_]+)\"", source))
    return names | {"INSTANCE_PATH"}  # read by create_app


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_compose_runs_every_process_against_shared_services(compose):
    services = compose["services"]
    assert {"app", "drain", "migrate", "postgres", "elasticsearch", "redis"} <= set(services)
    assert services["elasticsearch"]["image"].split(":")[-1].startswith("8.")
    app, drain = services["app"], services["drain"]
    assert app["command"][0] == "gunicorn" and app["command"][-1] == "marketplace.wsgi:app"
    assert drain["command"] == ["flask", "--app", "marketplace", "search", "drain"]
    assert drain["deploy"]["replicas"] >= 2
    assert services["migrate"]["command"][-2:] == ["db", "upgrade"]
    for name in ("app", "drain"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    env = app["environment"]
    assert env == drain["environment"] == services["migrate"]["environment"]
    assert env["SEARCH_SYNC"] == "worker"
    assert env["RATELIMIT_STORAGE_URI"].startswith("redis://redis:")
    assert env["DATABASE_URL"].startswith("postgresql://") and "@postgres:" in env["DATABASE_URL"]
    assert "${SECRET_KEY:?" in env["SECRET_KEY"]
    assert set(env) <= settings_the_app_reads(), set(env) - settings_the_app_reads()


def test_compose_secrets_are_listed_in_the_env_example():
    required = set(re.findall(r"\$\{([A-Z_]+):\?", (DEPLOY / "compose.yaml").read_text()))
    example = (DEPLOY / ".env.example").read_text()
    listed = set(re.findall(r"^([A-Z_]+)=", example, flags=re.M))
    assert required and required <= listed, required - listed


def test_the_image_is_built_from_files_that_exist():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    copied = re.findall(r"^COPY (?!--)(.+?) \S+$", dockerfile, flags=re.M)
    sources = [s for line in copied for s in line.split()]
    assert {"setup.py", "marketplace", "templates", "migrations"} <= set(sources)
    assert [s for s in sources if not (ROOT / s).exists()] == []
    assert "marketplace.wsgi:app" in dockerfile


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read_string((DEPLOY / "systemd" / name).read_text())
    return parser


def test_systemd_units_run_the_wheels_commands():
    app = unit("techmarket.service")["Service"]
    assert app["Type"] == "notify" and "marketplace.wsgi:app" in app["ExecStart"]
    drain = unit("techmarket-drain@.service")
    assert drain["Service"]["ExecStart"].endswith("flask --app marketplace search drain")
    assert "%i" in drain["Unit"]["Description"]
    migrate = unit("techmarket-migrate.service")["Service"]
    assert migrate["Type"] == "oneshot" and migrate["ExecStart"].endswith("db upgrade")
    sweep = unit("techmarket-deals-sweep.service")["Service"]
    assert sweep["Type"] == "oneshot" and sweep["ExecStart"].endswith("deals sweep")
    assert unit("techmarket-deals-sweep.timer")["Timer"]["OnCalendar"] == "hourly"
    close = unit("techmarket-auction-close.service")["Service"]
    assert close["Type"] == "oneshot" and close["ExecStart"].endswith("auction close")
    assert unit("techmarket-auction-close.timer")["Timer"]["OnCalendar"] == "minutely"
    challenges = unit("techmarket-challenge-close.service")["Service"]
    assert challenges["ExecStart"].endswith("challenge close")
    assert unit("techmarket-challenge-close.timer")["Timer"]["OnCalendar"] == "hourly"
    for name in (
        "techmarket-challenge-close.service",
        "techmarket.service",
        "techmarket-drain@.service",
        "techmarket-deals-sweep.service",
        "techmarket-auction-close.service",
    ):
        assert "techmarket-migrate.service" in unit(name)["Unit"]["After"]
    env = (DEPLOY / "systemd/techmarket.env.example").read_text()
    names = set(re.findall(r"^#? ?([A-Z_]+)=", env, flags=re.M))
    assert {"DATABASE_URL", "SECRET_KEY", "RATELIMIT_STORAGE_URI", "SEARCH_SYNC"} <= names
    assert names <= settings_the_app_reads(), names - settings_the_app_reads()


def test_the_commands_they_run_exist(app):
    runner = app.test_cli_runner()
    for args in (
        ["search", "drain", "--help"],
        ["db", "upgrade", "--help"],
        ["deals", "sweep", "--help"],
        ["auction", "close", "--help"],
    ):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, (args, result.output)
    assert (ROOT / "marketplace/wsgi.py").exists()
