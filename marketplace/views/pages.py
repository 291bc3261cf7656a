"""Placeholder HTML views (replaced by the full UI)."""

from flask import Blueprint, render_template

bp = Blueprint("views", __name__)


@bp.route("/")
def home():
    return render_template("error.html", status=200, message="TechMarket")


@bp.route("/login")
def login():
    return render_template("error.html", status=200, message="login")
