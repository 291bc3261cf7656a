"""``Idempotency-Key`` on the API's writes: a retry gets the first answer, not a second act.

A client that lost the answer to a write (a timeout, a dropped connection, a database
restart between COMMIT and its reply) cannot tell whether it happened. Sent again with
the same ``Idempotency-Key`` header, the write is not done again: the stored answer
(status and body) comes back, with ``Idempotent-Replayed: true``.

- **Kept per person**: (the logged-in user or the token's owner, key); anonymous
  requests and the account routes (``auth``: their answers hold secrets such as a new
  token or recovery codes, which must not be stored) ignore the header.
- **Same transaction**: the view runs inside one unit of work (core/uow.py) that the
  services join; the answer is written in it before the one COMMIT. A lost reply to
  that COMMIT means both the change and its answer, or neither: the retry replays or
  acts, never acts twice.
- **Same request**: the key is bound to a fingerprint of method, path and body; the
  same key with another request is a 422 ``idempotency_key_reused``.
- **One at a time**: while the first request with a key is still running, a second one
  gets 409 ``idempotency_key_in_progress`` (PostgreSQL: a transaction-scoped advisory
  lock on the key, tried without waiting; everywhere: the unique constraint on
  (user, key) refuses the second COMMIT).
- **Successes only**: a refusal (4xx) changed nothing and is not stored, so a retry is
  judged afresh. Stored answers expire after IDEMPOTENCY_KEY_HOURS (24); ``flask
  deals sweep`` (hourly) deletes them.

No library does this for Flask and SQLAlchemy in the caller's transaction (the ones on
PyPI keep answers in Redis or DynamoDB, outside it); the shape follows Stripe's
idempotent requests and the IETF draft "The Idempotency-Key HTTP Header Field".
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from flask import Flask, Response, current_app, request
from sqlalchemy import delete, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace.core.errors import Conflict, DomainError, Invalid
from marketplace.core.messages import N_
from marketplace.core.uow import UnitOfWork, unit_of_work
from marketplace.extensions import db
from marketplace.models import IdempotentRequest
from marketplace.models.types import utcnow
from marketplace.web.auth import current_actor

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# Blueprints whose writes ignore the header: account and sign-in routes (their answers
# carry secrets), and Stripe's signed deliveries (idempotent by event id already).
NOT_KEPT = ("auth", "password_reset", "webhooks")
MAX_KEY_LENGTH = 255
UNIQUE_CONSTRAINT = "uq_idempotent_request_user_id_key"


class KeyInProgress(Conflict):
    code = "idempotency_key_in_progress"


def kept(blueprint: str | None) -> bool:
    """Whether the writes of this API blueprint honour the header."""
    return blueprint is not None and blueprint not in NOT_KEPT


def _key() -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not key or len(key) > MAX_KEY_LENGTH or not all(" " <= ch <= "~" for ch in key):
        raise DomainError(
            N_("%(header)s must be 1 to %(max)s printable ASCII characters."),
            code="idempotency_key_invalid",
            header=HEADER,
            max=MAX_KEY_LENGTH,
        )
    return key


def fingerprint() -> str:
    """SHA-256 of the method, the path with its query and the body (a multipart body by
    its fields and its files' contents)."""
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.full_path.rstrip('?')}\n".encode())
    if request.mimetype == "multipart/form-data":
        for name, value in sorted(request.form.items(multi=True)):
            digest.update(f"{name}={value}\n".encode())
        for name, upload in sorted(request.files.items(multi=True), key=lambda i: i[0]):
            content = upload.stream.read()
            upload.stream.seek(0)
            digest.update(f"{name}:{upload.filename}:".encode())
            digest.update(hashlib.sha256(content).digest())
    else:
        digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def _lock_key(user_id: int, key: str) -> int:
    """A signed 64-bit number for pg_try_advisory_xact_lock."""
    raw = hashlib.sha256(f"idempotency:{user_id}:{key}".encode()).digest()[:8]
    return int.from_bytes(raw, "big", signed=True)


def _in_progress() -> KeyInProgress:
    return KeyInProgress(
        N_(
            "A request with this %(header)s is still being processed: retry in a moment"
            " to get its answer."
        ),
        header=HEADER,
    )


def _claim(session: Session, user_id: int, key: str) -> None:
    """On PostgreSQL, hold the key until this transaction ends, or refuse at once."""
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite runs one writer at a time; the unique constraint is the backstop
    held = session.scalar(
        text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": _lock_key(user_id, key)}
    )
    if not held:
        raise _in_progress()


def _replay(stored: IdempotentRequest) -> Response:
    response = Response(stored.body, status=stored.status, content_type=stored.content_type)
    response.headers[REPLAYED_HEADER] = "true"
    return response


def _storable(response: Response) -> bool:
    """A success whose body is text (every API write answers JSON or nothing)."""
    textual = response.mimetype == "application/json" or response.mimetype.startswith("text/")
    return 200 <= response.status_code < 300 and not response.is_streamed and textual


def _run(view: Callable, args: tuple, kwargs: dict, user_id: int, key: str) -> Any:
    session = db.session
    this_request = fingerprint()
    now = utcnow()
    with UnitOfWork(session):
        _claim(session, user_id, key)
        stored = session.scalar(
            select(IdempotentRequest).where(
                IdempotentRequest.user_id == user_id, IdempotentRequest.key == key
            )
        )
        if stored is not None and stored.expires_at <= now:
            session.delete(stored)
            session.flush()
            stored = None
        if stored is not None:
            if stored.fingerprint != this_request:
                raise Invalid(
                    {},
                    N_(
                        "This %(header)s was used for another request (%(method)s %(path)s):"
                        " use a new key for a new request."
                    ),
                    code="idempotency_key_reused",
                    header=HEADER,
                    method=stored.method,
                    path=stored.path,
                )
            return _replay(stored)
        response = current_app.make_response(view(*args, **kwargs))
        if _storable(response):
            hours = current_app.config["IDEMPOTENCY_KEY_HOURS"]
            session.add(
                IdempotentRequest(
                    user_id=user_id,
                    key=key,
                    fingerprint=this_request,
                    method=request.method,
                    path=request.path[:500],
                    status=response.status_code,
                    content_type=response.content_type or "",
                    body=response.get_data(as_text=True),
                    created_at=now,
                    expires_at=now + timedelta(hours=hours),
                )
            )
        return response


def idempotent(view: Callable) -> Callable:
    """Wrap an API view function: writes with the header are done once per key."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if request.method not in WRITE_METHODS or not kept(request.blueprint):
            return view(*args, **kwargs)
        user = current_actor()
        key = _key() if user is not None else None
        if key is None or user is None:
            return view(*args, **kwargs)
        try:
            return _run(view, args, kwargs, user.id, key)
        except IntegrityError as exc:
            # Two requests with one key raced past the check (SQLite): the other won.
            if UNIQUE_CONSTRAINT in str(exc.orig) or "idempotent_request.user_id" in str(exc.orig):
                raise _in_progress() from None
            raise

    return wrapper


@unit_of_work
def sweep(session: Session) -> int:
    """Delete stored answers past their expiry; returns how many."""
    result = session.execute(
        delete(IdempotentRequest).where(IdempotentRequest.expires_at <= utcnow())
    )
    return result.rowcount or 0


def init_app(app: Flask, blueprints: list[str]) -> None:
    """Wrap the view functions of these API blueprints (call after registering them)."""
    for endpoint, view in list(app.view_functions.items()):
        blueprint = endpoint.rpartition(".")[0]
        if blueprint in blueprints and kept(blueprint):
            app.view_functions[endpoint] = idempotent(view)
