"""The application factory, configuration and the schema check."""

import os
import subprocess
import sys

import pytest

from marketplace import create_app
from marketplace.web.schema_check import SchemaBehind, check_schema_current

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_secret_key_is_generated_once_into_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    first = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).config["SECRET_KEY"]
    second = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).config["SECRET_KEY"]
    assert first == second and len(first) >= 40
    assert (tmp_path / "secret_key").read_text() == first
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"


def test_environment_configures_the_app(tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.example:5432/tm")
    monkeypatch.setenv("ELASTICSEARCH_URL", "http://search:9200")
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_x")
    monkeypatch.setenv("MAIL_PORT", "2525")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example:5432/tm"
    assert app.config["ELASTICSEARCH_URL"] == "http://search:9200"
    assert app.config["STRIPE_SECRET_KEY"] == "sk_test_x"
    assert app.config["MAIL_PORT"] == 2525


def test_default_database_is_sqlite_under_instance(tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/techmarket.sqlite3"


def test_schema_check_refuses_a_database_that_is_behind(tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/empty.db"})
    with pytest.raises(SchemaBehind, match=r"db upgrade"):
        check_schema_current(app)


def test_schema_check_passes_on_the_migrated_test_database(app):
    check_schema_current(app)


def test_wsgi_exits_with_the_command_to_run(tmp_path):
    env = dict(os.environ, INSTANCE_PATH=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path}/x.db")
    env.pop("FLASK_APP", None)
    proc = subprocess.run(
        [sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert proc.returncode != 0
    assert "will not start" in proc.stderr and "db upgrade" in proc.stderr
