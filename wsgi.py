"""WSGI entry point: ``app`` for gunicorn/uwsgi and ``flask --app wsgi run``.

The app refuses to start on a database whose schema is behind the migrations.
"""

import sys

from marketplace import create_app
from marketplace.schema_check import SchemaBehind, check_schema_current

app = create_app()
try:
    check_schema_current(app)
except SchemaBehind as exc:
    sys.exit(f"TechMarket will not start: {exc}")
