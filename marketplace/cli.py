"""flask commands: import, demo data, users."""

from flask import Flask


def init_app(app: Flask) -> None:
    pass
