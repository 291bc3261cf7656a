"""The ``views`` blueprint and the helpers every page module uses."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial, wraps
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, flash, request, url_for
from flask_babel import gettext as _

from marketplace.accounts.users import SELF_SERVICE_ROLES
from marketplace.core import localtime
from marketplace.core.errors import Conflict, DomainError, Forbidden, Invalid, Unauthorized
from marketplace.core.messages import N_, Message, translate
from marketplace.core.money import format_money
from marketplace.models import User, vocab
from marketplace.models.types import MAX_ROW_ID
from marketplace.models.vocab import CURRENCIES
from marketplace.web.auth import current_actor
from marketplace.web.i18n import label

bp = Blueprint("views", __name__)
T = TypeVar("T")
Errors = dict[str, list[str]]


def require_login(view: Callable) -> Callable:
    """Send anonymous visitors to the login page (the app error handler redirects a 401)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any):
        if current_actor() is None:
            flash(_("Please log in to continue."), "info")
            raise Unauthorized(N_("Log in first."))
        return view(*args, **kwargs)

    return wrapper


def actor() -> User | None:
    return current_actor()


def safe_next(target: str | None, default: str | None = None) -> str:
    """A redirect target from the request, accepted only if it stays on this site.

    Only relative paths: they start with one "/" (not "//", which browsers read as
    another host) and carry no backslash or control character (some browsers read
    "/\\" as "//").
    """
    fallback = default or url_for("views.home")
    if not target or not target.startswith("/") or target.startswith("//"):
        return fallback
    if "\\" in target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    return target


def form_int(raw: str | None, maximum: int = MAX_ROW_ID) -> int | None:
    """A whole number typed or posted in a form (ASCII digits, 0 … ``maximum``), else
    None. ``str.isdigit`` alone admits "²" and "١", which ``int`` then refuses (a 500),
    and numbers no row id can reach, which overflow in the database driver."""
    raw = (raw or "").strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > len(str(maximum)):
        return None
    number = int(raw)
    return number if number <= maximum else None


def form_text(name: str, limit: int = 5_000) -> str:
    """A free-text field of a form that posts straight to a service, held to the same
    length as the API's schemas hold it (Invalid, shown as a message, when longer)."""
    text = request.form.get(name, "")
    if len(text) > limit:
        raise Invalid({name: Message(N_("Longer than maximum length %(max)s."), max=limit)})
    return text


def field_errors(messages: Any, prefix: str = "") -> Errors:
    """Flatten marshmallow/service messages to {form field name: [translated messages]}.

    Nested lists of schemas (patents) become ``patents-<index>-<field>``; a message about
    one value of a list field goes to the field itself.
    """
    result: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            if isinstance(key, int) and not isinstance(value, dict) and prefix:
                name = prefix  # the n-th value of a list typed into one box (tags, IPC codes)
            else:
                name = f"{prefix}-{key}" if prefix else str(key)
            if isinstance(value, dict):
                for sub, msgs in field_errors(value, name).items():
                    result.setdefault(sub, []).extend(msgs)
            else:
                result.setdefault(name, []).extend(_as_messages(value))
    else:
        result.setdefault(prefix or "_form", []).extend(_as_messages(messages))
    return result


def _as_messages(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        out: list[str] = []
        for item in value:
            out.extend(_as_messages(item))
        return out
    return [translate(value)]


def merge_errors(*parts: Errors) -> Errors:
    merged: dict[str, list[str]] = {}
    for part in parts:
        for key, msgs in part.items():
            merged.setdefault(key, []).extend(m for m in msgs if m not in merged.get(key, []))
    return merged


# A service called for a form ---------------------------------------------------------


def refusal_messages(exc: DomainError) -> Errors:
    """A refusal's messages by form field, translated; without fields, its message
    under "_form"."""
    return field_errors(exc.fields) or {"_form": [exc.translated()]}


def flash_refusal(exc: DomainError) -> None:
    """Flash a refusal's messages, each once (three fields may say the same)."""
    for message in dict.fromkeys(m for ms in refusal_messages(exc).values() for m in ms):
        flash(message, "error")


@dataclass
class Attempt(Generic[T]):
    """What became of a service call for a form (see ``attempt``)."""

    value: T | None = None
    refusal: DomainError | None = None
    errors: Errors = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.refusal is None


def attempt(
    call: Callable[[], T],
    *,
    shown: tuple[type[DomainError], ...] = (Invalid,),
    flashed: tuple[type[DomainError], ...] = (Conflict, Forbidden),
) -> Attempt[T]:
    """Call a service for a posted form. Its unit of work has committed, or, when the
    service refused, rolled back everything it had changed; a page never commits.

    * success → ``Attempt(value)``;
    * a refusal of a ``shown`` kind (Invalid: the input) → ``.errors``, its messages by
      form field in the user's language, for the form to show again with what was typed;
    * a refusal of a ``flashed`` kind (Conflict, Forbidden: not now, not you) → its
      messages are flashed, for the redirect that follows;
    * anything else goes on to the app's error handler (a 404 page, a 500).
    """
    try:
        return Attempt(call())
    except shown as exc:
        return Attempt(refusal=exc, errors=refusal_messages(exc))
    except flashed as exc:
        flash_refusal(exc)
        return Attempt(refusal=exc)


@bp.app_template_global()
def money(minor: int | None, currency: str = "CNY") -> str:
    """An amount for people: '600,000 元' in Chinese, '600,000 yuan' in English."""
    return format_money(minor, currency) if minor is not None else ""


@bp.app_template_global()
def lang_url(code: str) -> str:
    """The current page in another language (keeps the query string)."""
    args = request.args.to_dict(flat=False)
    args["lang"] = [code]
    if request.endpoint and request.method == "GET":
        return url_for(request.endpoint, **(request.view_args or {}), **args)
    # A form re-rendered after a POST, or an error page: the same path, in a fresh GET.
    return request.path + "?" + urlencode({"lang": code})


@bp.app_template_global()
def page_url(page: int) -> str:
    """The current list page with another page number."""
    args = request.args.to_dict(flat=False)
    args["page"] = [str(page)]
    args.pop("lang", None)
    return url_for(request.endpoint, **(request.view_args or {}), **args)


bp.add_app_template_filter(translate, "translate")
# Every time a page or a mail shows is on the marketplace's clock (core/localtime.py):
# `when` an instant to the minute, `when_s` to the second, `day` its local calendar day.
bp.add_app_template_filter(localtime.fmt, "when")
bp.add_app_template_filter(partial(localtime.fmt, pattern=localtime.SECOND), "when_s")
bp.add_app_template_filter(localtime.fmt_day, "day")


@bp.app_context_processor
def inject_vocabularies() -> dict[str, Any]:
    return {
        "vocab": vocab,
        "self_service_roles": SELF_SERVICE_ROLES,
        "content_languages": {"zh": _("Chinese"), "en": _("English")},
    }


@bp.app_template_global()
def options(vocabulary: str, codes: Any) -> list[tuple[str, str]]:
    """(code, translated label) pairs for a select, radio or checkbox group."""
    return [(code, label(vocabulary, code)) for code in codes]


@bp.app_template_global()
def trl_options() -> list[tuple[str, str]]:
    return [(str(level), f"TRL {level}") for level in range(1, 10)]


@bp.app_template_global()
def currency_options() -> list[tuple[str, str]]:
    names = {"CNY": _("Yuan (CNY)"), "USD": _("US dollar (USD)"), "EUR": _("Euro (EUR)")}
    return [(code, names.get(code, code)) for code in CURRENCIES]


@bp.app_template_global()
def ui_language() -> str:
    """'zh' or 'en': the language of the page (get_locale() says zh_Hans_CN for zh_CN)."""
    from flask_babel import get_locale

    locale = get_locale()
    return locale.language if locale is not None else "zh"
