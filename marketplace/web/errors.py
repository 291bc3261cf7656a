"""One place that turns errors into responses: JSON under /api (the English message and
the error's code), the error page elsewhere (the message translated)."""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from flask import Flask, current_app, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException

from marketplace.core import uow
from marketplace.core.errors import DomainError
from marketplace.core.messages import N_
from marketplace.extensions import db, login_manager
from payments import ProviderUnavailable

log = logging.getLogger(__name__)

# Werkzeug's descriptions of HTTP errors, which the error page shows translated (extracted
# for the catalog here; looked up as they are).
HTTP_DESCRIPTIONS = (
    N_("The browser (or proxy) sent a request that this server could not understand."),
    N_(
        "You don't have the permission to access the requested resource. It is either"
        " read-protected or not readable by the server."
    ),
    N_(
        "The requested URL was not found on the server. If you entered the URL manually"
        " please check your spelling and try again."
    ),
    N_("The method is not allowed for the requested URL."),
    N_("The data value transmitted exceeds the capacity limit."),
    N_(
        "The server encountered an internal error and was unable to complete your request."
        " Either the server is overloaded or there is an error in the application."
    ),
)
# The database went away (restarted, failed over, a connection cut) or cannot serve the
# request now (too many connections, a deadlock, a lock timeout): the request's
# transaction committed whole or not at all, and the same request may be sent again.
# pool_pre_ping (config.py) replaces the dead pooled connections on the next checkout.
DATABASE_UNAVAILABLE = (OperationalError, DisconnectionError, InterfaceError)
DATABASE_RETRY_AFTER = 5  # seconds
DATABASE_UNAVAILABLE_MESSAGE = N_(
    "The service is briefly unavailable; please try again in a moment."
)
# SQLite reports a missing table or a syntax error as an OperationalError too: only these
# are its passing troubles.
SQLITE_TRANSIENT = ("database is locked", "unable to open database file", "disk I/O error")


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def error_body(status: int, code: str, message: str, fields: dict | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"error": {"status": status, "code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    return body


def flatten_webargs_messages(messages: Any) -> dict[str, list[str]]:
    """webargs reports {'json': {'field': [...]}}; the API reports {'field': [...]}."""
    if not isinstance(messages, dict):
        return {"_schema": [str(messages)]}
    fields: dict[str, Any] = {}
    for location, errs in messages.items():
        if isinstance(errs, dict):
            fields.update(errs)
        else:
            fields[location] = errs
    return fields


def http_error_response(exc: HTTPException):
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    fields = None
    if "messages" in data:
        fields = flatten_webargs_messages(data["messages"])
    message = data.get("message") or exc.description or exc.name
    if status == 422 and fields:
        message = "The input is not valid."
    code = {
        400: "bad_request",
        401: "unauthorized",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        409: "conflict",
        413: "payload_too_large",
        415: "unsupported_media_type",
        422: "validation_error",
        429: "rate_limited",
    }.get(status, "http_error")
    response = jsonify(error_body(status, code, message, fields))
    response.status_code = status
    for key, value in exc.get_headers() if hasattr(exc, "get_headers") else []:
        if key.lower() not in ("content-type", "content-length"):
            response.headers[key] = value
    return response


def init_app(app: Flask) -> None:
    uow.track_unfinished()

    @app.after_request
    def refuse_unfinished_changes(response):
        """A handler's writes reach the database through a service's unit of work; one
        that leaves flushed changes behind would lose them when the request ends. Under
        test (``TESTING``) that is an error; otherwise it is logged."""
        if uow.unfinished(db.session()):
            message = f"{request.method} {request.path} left changes no unit of work committed"
            if app.config.get("TESTING"):
                raise RuntimeError(message)
            log.error(message)
        return response

    @app.errorhandler(DomainError)
    def handle_domain_error(exc: DomainError):
        if is_api_request():
            return jsonify(error_body(exc.status, exc.code, exc.message, exc.fields)), exc.status
        if exc.status == 401:
            return redirect(url_for("views.login", next=request.path))
        return render_template("error.html", status=exc.status, message=exc.message), exc.status

    @app.errorhandler(ProviderUnavailable)
    def handle_provider_unavailable(exc: ProviderUnavailable):
        # The service's unit of work rolled back what it had flushed (a transition, ledger
        # postings); this also undoes whatever a call outside one may have left.
        db.session.rollback()
        message = str(exc)
        if is_api_request():
            return jsonify(error_body(503, "provider_unavailable", message, {})), 503
        return render_template("error.html", status=503, message=message), 503

    for error in DATABASE_UNAVAILABLE:
        app.register_error_handler(error, database_unavailable)

    @app.errorhandler(HTTPException)
    def handle_http_exception(exc: HTTPException):
        if is_api_request():
            return http_error_response(exc)
        return render_template("error.html", status=exc.code, message=exc.description), exc.code


def is_transient(exc: Exception) -> bool:
    """Whether the database is away or busy, rather than the query wrong. psycopg raises
    OperationalError for the connection, resource, operator-intervention and
    transaction-rollback classes of SQLSTATE, and InterfaceError for a closed connection."""
    if isinstance(exc, DisconnectionError) or getattr(exc, "connection_invalidated", False):
        return True
    orig = getattr(exc, "orig", None)
    if isinstance(orig, sqlite3.Error):
        return isinstance(exc, OperationalError) and any(m in str(orig) for m in SQLITE_TRANSIENT)
    return True


def database_unavailable(exc: Exception):
    """503 with Retry-After: the API's error shape, or a page that needs no database."""
    if not is_transient(exc):
        raise exc  # a bug, not an outage: the 500 handler, with its log
    log.warning("database unavailable: %s", exc, exc_info=exc)
    try:
        # Whatever the request had flushed is undone; on a lost connection the session
        # only forgets it (the connection is already invalidated).
        db.session.rollback()
    except SQLAlchemyError:  # the rollback of a dead connection may fail too: logged
        log.warning("rollback after a lost database connection failed", exc_info=True)
    if is_api_request():
        body = error_body(503, "service_unavailable", DATABASE_UNAVAILABLE_MESSAGE)
        response = jsonify(body)
    else:
        # A page that needs nothing from the database (error.html's header does); and
        # Flask-Login's context processor must not try to load the user again.
        if "_login_user" not in g:
            g._login_user = login_manager.anonymous_user()
        message = _(DATABASE_UNAVAILABLE_MESSAGE)
        response = current_app.make_response(
            render_template("unavailable.html", message=message, retry_after=DATABASE_RETRY_AFTER)
        )
    response.status_code = 503
    response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER)
    return response
