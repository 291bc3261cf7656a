"""Refuse to serve a database whose schema is behind the code's migrations."""

from __future__ import annotations

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask

from marketplace.extensions import db

UPGRADE_HINT = (
    "Run `flask --app marketplace db upgrade` (or `make migrate`) to bring it up to date."
)


class SchemaBehind(RuntimeError):
    pass


def head_revisions(app: Flask) -> set[str]:
    cfg = Config()
    # The migrations directory create_app gave Flask-Migrate.
    cfg.set_main_option("script_location", app.extensions["migrate"].directory)
    return set(ScriptDirectory.from_config(cfg).get_heads())


def current_revisions(app: Flask) -> set[str]:
    with app.app_context(), db.engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def check_schema_current(app: Flask) -> None:
    """Raise SchemaBehind, saying which command to run, unless the database is at head."""
    current, heads = current_revisions(app), head_revisions(app)
    if current != heads:
        where = app.config["SQLALCHEMY_DATABASE_URI"].split("@")[-1]
        state = ", ".join(sorted(current)) or "empty (no migrations applied)"
        raise SchemaBehind(
            f"The database {where} is at revision {state}, but the code needs"
            f" {', '.join(sorted(heads))}. {UPGRADE_HINT}"
        )
