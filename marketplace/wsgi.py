"""WSGI entry point: ``app`` for gunicorn/uwsgi (``marketplace.wsgi:app``, which an
installed package has too) and ``flask --app marketplace.wsgi run``.

The app refuses to serve a database whose schema is behind the migrations.
"""

import os
import sys

from marketplace import create_app
from marketplace.web.schema_check import SchemaBehind, check_schema_current


def _flask_cli_maintenance_command() -> bool:
    """True for `flask db upgrade` and friends, which find this module by default and must
    work on a database that is behind; `flask run` and WSGI servers still get the check."""
    prog = os.path.basename(sys.argv[0]) if sys.argv else ""
    is_flask_cli = prog in ("flask", "flask.exe") or sys.argv[0].endswith(
        os.path.join("flask", "__main__.py")
    )
    return is_flask_cli and "run" not in sys.argv[1:]


app = create_app()
if not _flask_cli_maintenance_command():
    try:
        check_schema_current(app)
    except SchemaBehind as exc:
        sys.exit(f"TechMarket will not start: {exc}")
