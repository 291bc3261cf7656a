"""WSGI entry point from a checkout: ``wsgi:app`` and ``flask --app wsgi run``.

The app and its schema check live in ``marketplace/wsgi.py``, so that an installed package
has them too (gunicorn ``marketplace.wsgi:app``).
"""

from marketplace.wsgi import app

__all__ = ["app"]
