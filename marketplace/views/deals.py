"""交易 pages: my deals, the deal page and its forms, and the operators' back office
(bank transfers awaiting confirmation, payouts to execute, disputes to resolve).

Forms → the deal services, called as marketplace/api/deals.py calls them (same schemas,
same payment gateway, the client's IP for the timeline) → templates. The services decide
who may see and do what; a page only hides the buttons a user could not use anyway.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

import payments
from marketplace.api import deal_files as deal_files_api
from marketplace.extensions import db
from marketplace.models import Deal, Funding, User
from marketplace.models.deals import DEAL_STATES, PARTY_ROLES
from marketplace.schemas.deals import (
    BankTransferIn,
    CancelIn,
    ConfirmTermsIn,
    DealOpenIn,
    DealQuery,
    DisputeIn,
    MessageIn,
    PayoutExecuteIn,
    ResolveIn,
    TermsIn,
)
from marketplace.services import deal_delivery, deal_files, deal_money, deal_terms, deals
from marketplace.services.accounts import require_operator
from marketplace.services.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from marketplace.services.money import format_major, to_minor
from marketplace.views.base import actor, bp, field_errors, merge_errors, money, require_login
from marketplace.views.messages import N_, localize
from marketplace.vocab import CURRENCIES

MILESTONE_ROWS = 5  # rows of the propose-terms form; empty rows are ignored
PER_PAGE = 20
Errors = dict[str, list[str]]

LABELS: dict[str, dict[str, Any]] = {
    "state": {
        "inquiry": _l("Inquiry"),
        "negotiating": _l("Negotiating"),
        "agreed": _l("Contract agreed"),
        "funded": _l("Escrow funded"),
        "in_progress": _l("In progress"),
        "disputed": _l("In dispute"),
        "resolved": _l("Dispute resolved"),
        "completed": _l("Completed"),
        "cancelled": _l("Cancelled"),
    },
    "role": {
        "buyer": _l("Buyer"),
        "supplier": _l("Supplier"),
        "operator": _l("Operator"),
        "system": _l("Platform"),
    },
    "action": {
        "open": _l("opened the inquiry"),
        "propose_terms": _l("proposed contract terms"),
        "confirm_terms": _l("confirmed the contract terms"),
        "agree": _l("both parties confirmed: the contract is agreed"),
        "request_funding": _l("asked for payment instructions"),
        "confirm_funding": _l("confirmed the payment: escrow funded"),
        "start_work": _l("started delivery"),
        "accept_milestone": _l("accepted a milestone: money released"),
        "dispute_milestone": _l("disputed a milestone"),
        "resolve_dispute": _l("resolved the dispute"),
        "complete": _l("every milestone is settled: deal completed"),
        "cancel": _l("cancelled the deal"),
        "request_cancellation": _l("requested cancellation"),
        "cancel_by_agreement": _l("both parties requested it: deal cancelled"),
        "payout_executed": _l("executed a payout"),
    },
    "milestone": {
        "open": _l("Awaiting acceptance"),
        "accepted": _l("Accepted"),
        "disputed": _l("In dispute"),
        "resolved": _l("Resolved by arbitration"),
        "cancelled": _l("Cancelled"),
    },
    "resolution": {
        "release": _l("Release to the supplier"),
        "refund": _l("Refund to the buyer"),
        "split": _l("Split: release part, refund the rest"),
    },
    "payout": {"release": _l("Release to the supplier"), "refund": _l("Refund to the buyer")},
}

# Service messages without values, so that `pybabel extract` finds them (see messages.py).
MESSAGES = (
    N_("No terms have been proposed yet."),
    N_("Write something."),
    N_("Say what is wrong with the delivery; the operator reads it."),
    N_("An arbitrated cancellation needs a reason."),
    N_("No funding request of this deal has this reference."),
    N_("The bank transfer's reference."),
    N_("Only enterprise members open a deal on a listing."),
    N_("Only members of a university or institute answer a demand."),
    N_("You cannot open a deal on your own organization's item."),
    N_("Only operators confirm bank transfers."),
    N_("Only operators handle payouts."),
    N_("At least one milestone."),
    N_("Every milestone has a positive amount."),
    N_("Every milestone has a title."),
    N_("The deal has no agreed terms."),
    N_("The deal has no confirmed funding."),
)


@bp.app_template_global()
def deal_label(vocabulary: str, code: str | None) -> str:
    return str(LABELS[vocabulary].get(code, code)) if code else ""


@bp.app_template_filter("when")
def when(value) -> str:
    return format_datetime(value, "yyyy-MM-dd HH:mm") if value else ""


def _who(text: str) -> str:
    roles = [deal_label("role", r) for r in text.split(" or ")]
    return _(" or ").join(roles)


def _pattern(regex: str, render: Callable[..., str]) -> tuple[re.Pattern, Callable[..., str]]:
    return re.compile(regex), render


# Deal messages that carry values (amounts in minor units, states, roles): rebuilt here.
PATTERNS = (
    _pattern(
        r"^The milestone amounts sum to (?P<total>\d+), not to the price (?P<price>\d+)\.$",
        lambda total, price: _(
            "The milestone amounts add up to %(total)s, not to the price %(price)s.",
            total=money(int(total)),
            price=money(int(price)),
        ),
    ),
    _pattern(
        r"^The contract amount is (?P<expected>\d+) (?P<cur>\w+); (?P<given>\d+) does not fund it\.",
        lambda expected, cur, given: _(
            "The contract amount is %(expected)s; %(given)s does not fund it. Return the "
            "transfer or ask for the difference.",
            expected=money(int(expected), cur),
            given=money(int(given), cur),
        ),
    ),
    _pattern(
        r"^A split releases more than 0 and less than (?P<amount>\d+)\.$",
        lambda amount: _(
            "A split releases more than 0 and less than %(amount)s.", amount=money(int(amount))
        ),
    ),
    _pattern(
        r"^Cannot (?P<action>\w+) a deal that is (?P<state>\w+)\.",
        lambda action, state: _(
            "This is not possible while the deal is “%(state)s”.", state=deal_label("state", state)
        ),
    ),
    _pattern(
        r"^Only the (?P<who>[a-z ]+?) may (?P<action>\w+)(?: now)?\.",
        lambda who, action: _("Only the %(who)s may do this now.", who=_who(who)),
    ),
    _pattern(
        r"^These are not the current terms: version (?P<number>\d+) ",
        lambda number: _(
            "These are not the current terms: version %(number)s replaced them. Read it and "
            "confirm again.",
            number=number,
        ),
    ),
    _pattern(
        r"^Milestone (?P<position>\d+) is (?P<state>\w+), not \w+\.$",
        lambda position, state: _(
            "Milestone %(position)s is already “%(state)s”.",
            position=position,
            state=deal_label("milestone", state),
        ),
    ),
    _pattern(
        r"^Payout (?P<payout>\d+) was already executed as (?P<reference>.+)\.$",
        lambda payout, reference: _(
            "Payout %(payout)s was already executed as %(reference)s.",
            payout=payout,
            reference=reference,
        ),
    ),
    _pattern(
        r"^Deals are opened on published items; this one is \w+\.$",
        lambda: _("Deals are opened on published items only."),
    ),
    _pattern(r"^One of .*\.$", lambda: _("Choose one of the offered values.")),
)


def say(message: object) -> str:
    """A deal service message in the user's language."""
    text = str(message)
    for regex, render in PATTERNS:
        found = regex.match(text)
        if found:
            return render(**found.groupdict())
    return localize(text)


def _errors(messages: Any) -> Errors:
    return {key: [say(m) for m in msgs] for key, msgs in field_errors(messages).items()}


def _flash(exc: DomainError) -> None:
    for messages in _errors(exc.fields).values() if exc.fields else [[say(exc.message)]]:
        for message in messages:
            flash(message, "error")


def _load(schema: Schema, payload: dict[str, Any]) -> tuple[dict | None, Errors]:
    try:
        return schema.load(payload), {}
    except ValidationError as exc:
        return None, _errors(exc.messages)


def _ip() -> str | None:
    return request.remote_addr


def _deal(deal_id: int) -> Deal:
    """The deal, or a 404 that says so in the user's language (strangers included)."""
    try:
        return deals.get_deal(db.session, actor(), deal_id)
    except NotFound:
        raise NotFound(_("This deal does not exist, or you are not one of its parties.")) from None


# My deals -----------------------------------------------------------------------------


@bp.route("/deals")
@require_login
def my_deals():
    user = actor()
    raw = {k: request.args.get(k, "").strip() for k in ("state", "role", "page")}
    args, errors = _load(DealQuery(), {k: v for k, v in raw.items() if v})
    if args is None:  # a bad filter is ignored, and said so
        args, _ignored = _load(DealQuery(), {k: v for k, v in raw.items() if v and k not in errors})
        args = args or {}
    page = deals.list_deals(db.session, user, **(args | {"per_page": PER_PAGE}))
    rows = [_row(deal, user) for deal in page.items]
    return render_template(
        "deals/list.html",
        page=page,
        rows=rows,
        filters=raw,
        filter_errors=errors,
        states=DEAL_STATES,
        party_roles=PARTY_ROLES,
    )


def _row(deal: Deal, user: User) -> dict[str, Any]:
    roles = deals.actor_roles(deal, user)
    if deals.BUYER in roles and deals.SUPPLIER not in roles:
        counterparty = deal.supplier.name
    elif deals.SUPPLIER in roles and deals.BUYER not in roles:
        counterparty = deal.buyer.name
    else:
        counterparty = f"{deal.buyer.name} ⇄ {deal.supplier.name}"
    terms = deal.agreed_terms or deal.current_terms
    return {
        "deal": deal,
        "roles": sorted(roles - {deals.OPERATOR}) or sorted(roles),
        "counterparty": counterparty,
        "price": money(terms.price, terms.currency) if terms else "",
    }


@bp.route("/deals/open", methods=["POST"])
@require_login
def open_deal():
    """The contact button of a listing or a demand page."""
    form = request.form
    kind = "listing" if form.get("listing_id") else "demand"
    item_id = form.get(f"{kind}_id", "")
    back = (
        url_for(f"views.{kind}_detail", item_id=int(item_id))
        if item_id.isdigit()
        else url_for("views.home")
    )
    payload = {"message": form.get("message", "")}
    if item_id.isdigit():
        payload[f"{kind}_id"] = int(item_id)
    data, errors = _load(DealOpenIn(), payload)
    if data is None or not item_id.isdigit():
        for messages in errors.values() or [[_("Choose a listing or a demand.")]]:
            for message in messages:
                flash(message, "error")
        return redirect(back, 303)
    try:
        deal = deals.open_deal(db.session, actor(), ip=_ip(), **data)
        db.session.commit()
    except (Conflict, Forbidden, Invalid) as exc:
        db.session.rollback()
        _flash(exc)
        return redirect(back, 303)
    flash(_("Your inquiry is sent. Negotiate here."), "success")
    return redirect(url_for("views.deal", deal_id=deal.id), 303)


# The deal page ------------------------------------------------------------------------


@bp.route("/deals/<int:deal_id>", endpoint="deal")
@require_login
def deal_page(deal_id: int):
    return render_deal(_deal(deal_id))


def render_deal(deal: Deal, posted: str = "", values=None, errors: Errors | None = None):
    """The deal page; after a refused form, that form shows the typed values and messages."""
    user = actor()
    roles = deals.actor_roles(deal, user)
    actions = deals.allowed_actions(deal, user)
    current = deal.current_terms
    events = list(deal.events)
    messages = deals.list_messages(db.session, user, deal.id)
    authors = {m.author_id for m in messages}
    names = _names({e.actor_id for e in events} | _confirmers(deal) | authors)
    confirmed_by_me = {
        c.role for c in (current.confirmations if current else []) if c.role in roles
    }
    terms_values = values if posted == "terms" else terms_form(current)
    return render_template(
        "deals/detail.html",
        deal=deal,
        roles=roles,
        actions=actions,
        current=current,
        agreed=deal.agreed_terms,
        cancel_requested_by=[
            deal_label("role", role)
            for role, asked in (
                (deals.BUYER, deal.buyer_cancel_requested),
                (deals.SUPPLIER, deal.supplier_cancel_requested),
            )
            if asked
        ],
        can_confirm="confirm_terms" in actions and current and not confirmed_by_me,
        milestones=deal.milestones,
        fundings=deal_money.fundings(db.session, deal),
        messages=messages,
        attachments=deal_files.list_attachments(db.session, user, deal.id),
        timeline=[_event(e, names, user.is_operator) for e in reversed(events)],
        statement=deal_money.statement(db.session, deal),
        names=names,
        posted=posted,
        values=values if values is not None else MultiDict(),
        terms_values=terms_values,
        errors=errors or {},
        rows=MILESTONE_ROWS,
        currencies=CURRENCIES,
    ), (422 if errors else 200)


def _confirmers(deal: Deal) -> set[int | None]:
    return {c.user_id for t in deal.terms_versions for c in t.confirmations} | {
        t.proposed_by_id for t in deal.terms_versions
    }


def _names(ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    users = db.session.scalars(select(User).where(User.id.in_(wanted)))
    return {u.id: u.display_name for u in users}


def _event(event, names: dict[int, str], is_operator: bool) -> dict[str, Any]:
    """One timeline line: who, when, what (and, for operators only, from which IP)."""
    d = event.detail or {}
    currency = d.get("currency", "CNY")
    facts = []
    if "terms_version" in d:
        facts.append(_("version %(number)s", number=d["terms_version"]))
    if "terms_hash" in d:
        facts.append(_("hash %(hash)s", hash=d["terms_hash"][:10]))
    if "position" in d:
        facts.append(_("milestone %(number)s", number=d["position"]))
    for key, text in (
        ("price", _l("price %(amount)s")),
        ("amount", _l("amount %(amount)s")),
        ("released", _l("released %(amount)s")),
        ("fee", _l("platform fee %(amount)s")),
        ("refunded", _l("refunded %(amount)s")),
    ):
        if d.get(key):
            facts.append(str(text) % {"amount": money(d[key], currency)})
    if d.get("outcome"):
        facts.append(deal_label("resolution", d["outcome"]))
    if d.get("reference"):
        facts.append(_("reference %(reference)s", reference=d["reference"]))
    return {
        "at": event.created_at,
        "role": event.role,
        # The platform's own steps (agreement, completion) are not the triggering user's.
        "who": "" if event.role == deals.SYSTEM else names.get(event.actor_id, ""),
        "what": deal_label("action", event.action),
        "facts": facts,
        "text": d.get("reason") or d.get("note") or "",
        "to_state": event.to_state if event.to_state != event.from_state else None,
        "ip": event.ip if is_operator else None,
    }


def terms_form(terms) -> MultiDict:
    """The current version as form values: a counter-offer starts from it."""
    if terms is None:
        return MultiDict({"currency": "CNY"})
    values = [
        ("price", _major(terms.price, terms.currency)),
        ("currency", terms.currency),
        ("transfer_mode", terms.transfer_mode),
        ("note", terms.note),
    ]
    for i, m in enumerate(terms.milestones[:MILESTONE_ROWS]):
        values += [
            (f"milestones-{i}-title", m["title"]),
            (f"milestones-{i}-amount", _major(m["amount"], terms.currency)),
            (f"milestones-{i}-due_date", m.get("due_date") or ""),
        ]
    return MultiDict(values)


def _major(minor: int, currency: str) -> str:
    return format_major(minor, currency).replace(",", "")


def _amount(form: MultiDict, name: str, currency: str, errors: Errors) -> int | None:
    raw = (form.get(name) or "").strip()
    if not raw:
        return None
    try:
        return to_minor(raw, currency)
    except ValueError as exc:
        errors.setdefault(name, []).append(localize(str(exc)))
        return None


def terms_payload(form: MultiDict) -> tuple[dict[str, Any] | None, Errors]:
    """TermsIn from the form: amounts in 元 → minor units; empty milestone rows ignored."""
    errors: Errors = {}
    currency = (form.get("currency") or "CNY").strip()
    unit = currency if currency in CURRENCIES else "CNY"
    payload: dict[str, Any] = {
        "currency": currency,
        "transfer_mode": (form.get("transfer_mode") or "").strip(),
        "note": (form.get("note") or "").strip(),
        "milestones": [],
    }
    if not payload["transfer_mode"]:
        del payload["transfer_mode"]  # reported as missing, not as an unknown value
    price = _amount(form, "price", unit, errors)
    if price is not None:
        payload["price"] = price
    rows: list[int] = []  # the form row of each milestone sent
    for i in range(MILESTONE_ROWS):
        title, amount, due = (
            (form.get(f"milestones-{i}-{k}") or "").strip() for k in ("title", "amount", "due_date")
        )
        if not (title or amount or due):
            continue
        milestone: dict[str, Any] = {"title": title, "due_date": due or None}
        value = _amount(form, f"milestones-{i}-amount", unit, errors)
        if value is not None:
            milestone["amount"] = value
        payload["milestones"].append(milestone)
        rows.append(i)
    data, schema_errors = _load(TermsIn(), payload)
    renumbered: Errors = {}
    for key, messages in schema_errors.items():
        found = re.match(r"^milestones-(\d+)-(.+)$", key)
        if found:
            key = f"milestones-{rows[int(found.group(1))]}-{found.group(2)}"
        if key not in errors:  # the amount that could not be read already says why
            renumbered[key] = messages
    if not rows:
        renumbered["milestones"] = [_("Add at least one milestone.")]
    errors = merge_errors(errors, renumbered)
    return (None if errors else data), errors


def _form_action(deal_id: int, posted: str, run: Callable[[], Any], done: str):
    """Run a deal service for a form: success → back to the deal page with a message;
    input errors → the page again with the typed values (422); a refused transition or
    the wrong party → back with the reason."""
    _deal(deal_id)
    try:
        run()
        db.session.commit()
    except Invalid as exc:
        db.session.rollback()
        errors = _errors(exc.fields) if exc.fields else {"_form": [say(exc.message)]}
        return render_deal(_deal(deal_id), posted, request.form, errors)
    except (Conflict, Forbidden) as exc:
        db.session.rollback()
        _flash(exc)
    else:
        flash(done, "success")
    return redirect(url_for("views.deal", deal_id=deal_id) + f"#{posted.split('-')[0]}", 303)


def _schema_form(deal_id: int, posted: str, schema: Schema, fields: tuple[str, ...], then):
    """Validate the named fields with the API's schema, then run ``then(data)``."""
    payload = {k: request.form.get(k, "") for k in fields}
    data, errors = _load(schema, payload)
    if data is None:
        return render_deal(_deal(deal_id), posted, request.form, errors)
    return then(data)


@bp.route("/deals/<int:deal_id>/messages", methods=["POST"])
@require_login
def deal_message(deal_id: int):
    return _schema_form(
        deal_id,
        "message",
        MessageIn(),
        ("body",),
        lambda data: _form_action(
            deal_id,
            "message",
            lambda: deals.post_message(db.session, actor(), deal_id, data["body"]),
            _("Message sent."),
        ),
    )


@bp.route("/deals/<int:deal_id>/attachments", methods=["POST"])
@require_login
def deal_attachment_upload(deal_id: int):
    upload = request.files.get("file")

    def run():
        if upload is None or not upload.filename:
            raise Invalid({"file": "Choose a file."})
        deal_files.add_attachment(
            db.session,
            actor(),
            deal_id,
            upload.stream,
            upload.filename,
            storage_dir=deal_files_api.storage_dir(),
            max_bytes=current_app.config.get("MAX_ATTACHMENT_BYTES", deal_files.DEFAULT_MAX_BYTES),
            ip=_ip(),
        )

    return _form_action(deal_id, "attachment", run, _("File attached."))


@bp.route("/deals/<int:deal_id>/attachments/<int:attachment_id>")
@require_login
def deal_attachment(deal_id: int, attachment_id: int):
    return deal_files_api.download_response(deal_id, attachment_id)


@bp.route("/deals/<int:deal_id>/terms", methods=["POST"])
@require_login
def deal_propose_terms(deal_id: int):
    _deal(deal_id)
    data, errors = terms_payload(request.form)
    if data is None:
        return render_deal(_deal(deal_id), "terms", request.form, errors)
    fee = current_app.config.get("PLATFORM_FEE_BP", 300)
    return _form_action(
        deal_id,
        "terms",
        lambda: deal_terms.propose_terms(
            db.session, actor(), deal_id, data, platform_fee_bp=fee, ip=_ip()
        ),
        _("Your terms are proposed. Both parties confirm them to agree the contract."),
    )


@bp.route("/deals/<int:deal_id>/terms/confirm", methods=["POST"])
@require_login
def deal_confirm_terms(deal_id: int):
    def then(data):
        return _form_action(
            deal_id,
            "terms",
            lambda: deal_terms.confirm_terms(
                db.session, actor(), deal_id, data["terms_hash"], ip=_ip()
            ),
            _("You confirmed these terms."),
        )

    return _schema_form(deal_id, "confirm", ConfirmTermsIn(), ("terms_hash",), then)


@bp.route("/deals/<int:deal_id>/funding", methods=["POST"])
@require_login
def deal_request_funding(deal_id: int):
    return _form_action(
        deal_id,
        "payment",
        lambda: deal_money.request_funding(
            db.session, actor(), deal_id, gateway=payments.gateway_for(current_app), ip=_ip()
        ),
        _("Here is how to pay. The escrow is funded once the platform receives the money."),
    )


@bp.route("/deals/<int:deal_id>/start", methods=["POST"])
@require_login
def deal_start(deal_id: int):
    return _form_action(
        deal_id,
        "milestones",
        lambda: deals.start_work(db.session, actor(), deal_id, ip=_ip()),
        _("Delivery has started."),
    )


@bp.route("/deals/<int:deal_id>/milestones/<int:milestone_id>/accept", methods=["POST"])
@require_login
def deal_accept_milestone(deal_id: int, milestone_id: int):
    return _form_action(
        deal_id,
        "milestones",
        lambda: deal_delivery.accept_milestone(
            db.session,
            actor(),
            deal_id,
            milestone_id,
            gateway=payments.gateway_for(current_app),
            ip=_ip(),
        ),
        _("The milestone is accepted; its amount is released to the supplier."),
    )


@bp.route("/deals/<int:deal_id>/milestones/<int:milestone_id>/dispute", methods=["POST"])
@require_login
def deal_dispute_milestone(deal_id: int, milestone_id: int):
    posted = f"dispute-{milestone_id}"

    def then(data):
        return _form_action(
            deal_id,
            posted,
            lambda: deal_delivery.dispute_milestone(
                db.session, actor(), deal_id, milestone_id, data["reason"], ip=_ip()
            ),
            _("The milestone is disputed; an operator will decide."),
        )

    return _schema_form(deal_id, posted, DisputeIn(), ("reason",), then)


@bp.route("/deals/<int:deal_id>/<any(cancel,'cancellation-request'):what>", methods=["POST"])
@require_login
def deal_cancel(deal_id: int, what: str):
    if what == "cancel":
        service, done = deal_delivery.cancel, _("The deal is cancelled.")
    else:
        service = deal_delivery.request_cancellation
        done = _("Your cancellation request is recorded; the deal is cancelled once both ask.")

    def then(data):
        return _form_action(
            deal_id,
            "cancel",
            lambda: service(
                db.session,
                actor(),
                deal_id,
                data["reason"],
                gateway=payments.gateway_for(current_app),
                ip=_ip(),
            ),
            done,
        )

    return _schema_form(deal_id, "cancel", CancelIn(), ("reason",), then)


# Operators ----------------------------------------------------------------------------


def _operator() -> User:
    return require_operator(actor())


def _back_office(template: str, endpoint: str, posted: str = "", errors=None, **context):
    return render_template(
        template,
        posted=posted,
        values=request.form if posted else MultiDict(),
        errors=errors or {},
        section=endpoint,
        **context,
    ), (422 if errors else 200)


def _pending_fundings() -> list[Funding]:
    return deal_money.pending_bank_transfers(db.session, actor())


def _funding_page(posted: str = "", errors=None):
    fundings = _pending_fundings()
    deals_by_id = {f.deal_id: db.session.get(Deal, f.deal_id) for f in fundings}
    return _back_office(
        "deals/operator_funding.html",
        "funding",
        posted,
        errors,
        fundings=fundings,
        deals_by_id=deals_by_id,
    )


@bp.route("/operator/funding")
@require_login
def operator_funding():
    _operator()
    return _funding_page()


@bp.route("/operator/funding/<int:funding_id>/confirm", methods=["POST"])
@require_login
def operator_confirm_funding(funding_id: int):
    user = _operator()
    funding = db.session.get(Funding, funding_id)
    if funding is None:
        raise NotFound(_("This payment request does not exist."))
    posted, errors = f"fund-{funding_id}", {}
    amount = _amount(request.form, "amount", funding.currency, errors)
    payload = {"reference": request.form.get("reference", "").strip()}
    if amount is not None:
        payload["amount"] = amount
    data, schema_errors = _load(BankTransferIn(), payload)
    errors = merge_errors(errors, {k: v for k, v in schema_errors.items() if k not in errors})
    if errors:
        return _funding_page(posted, errors)
    deal_id = funding.deal_id
    try:
        deal_money.confirm_bank_transfer(db.session, user, deal_id, ip=_ip(), **data)
        db.session.commit()
    except Invalid as exc:
        db.session.rollback()
        return _funding_page(posted, _errors(exc.fields))
    except (Conflict, Forbidden) as exc:
        db.session.rollback()
        _flash(exc)
    else:
        flash(
            _("The transfer for deal %(deal)s is confirmed; escrow is funded.", deal=deal_id),
            "success",
        )
    return redirect(url_for("views.operator_funding"), 303)


def _payouts_page(posted: str = "", errors=None):
    payouts = deal_money.list_payouts(db.session, actor())
    return _back_office("deals/operator_payouts.html", "payouts", posted, errors, payouts=payouts)


@bp.route("/operator/payouts")
@require_login
def operator_payouts():
    _operator()
    return _payouts_page()


@bp.route("/operator/payouts/<int:payout_id>/execute", methods=["POST"])
@require_login
def operator_execute_payout(payout_id: int):
    user = _operator()
    posted = f"payout-{payout_id}"
    data, errors = _load(PayoutExecuteIn(), {"reference": request.form.get("reference", "")})
    if data is None:
        return _payouts_page(posted, errors)
    try:
        deal_money.execute_payout(db.session, user, payout_id, data["reference"], ip=_ip())
        db.session.commit()
    except Invalid as exc:
        db.session.rollback()
        return _payouts_page(posted, _errors(exc.fields))
    except Conflict as exc:
        db.session.rollback()
        _flash(exc)
    else:
        flash(_("Payout %(payout)s is marked as executed.", payout=payout_id), "success")
    return redirect(url_for("views.operator_payouts"), 303)


def _disputes_page(posted: str = "", errors=None):
    # Disputed milestones, oldest first; each names its deal.
    return _back_office(
        "deals/operator_disputes.html",
        "disputes",
        posted,
        errors,
        milestones=deal_delivery.open_disputes(db.session, actor()),
    )


@bp.route("/operator/disputes")
@require_login
def operator_disputes():
    _operator()
    return _disputes_page()


@bp.route("/operator/disputes/<int:deal_id>/<int:milestone_id>/resolve", methods=["POST"])
@require_login
def operator_resolve_dispute(deal_id: int, milestone_id: int):
    user = _operator()
    posted, errors = f"resolve-{milestone_id}", {}
    form = request.form
    payload: dict[str, Any] = {"outcome": form.get("outcome", ""), "note": form.get("note", "")}
    if form.get("outcome") == "split":
        deal = db.session.get(Deal, deal_id)
        terms = deal.agreed_terms if deal is not None else None
        release = _amount(form, "release_amount", terms.currency if terms else "CNY", errors)
        if release is not None:
            payload["release_amount"] = release
    data, schema_errors = _load(ResolveIn(), payload)
    errors = merge_errors(errors, {k: v for k, v in schema_errors.items() if k not in errors})
    if errors:
        return _disputes_page(posted, errors)
    try:
        deal_delivery.resolve_dispute(
            db.session,
            user,
            deal_id,
            milestone_id,
            data["outcome"],
            release_amount=data.get("release_amount"),
            note=data["note"],
            gateway=payments.gateway_for(current_app),
            ip=_ip(),
        )
        db.session.commit()
    except Invalid as exc:
        db.session.rollback()
        return _disputes_page(posted, _errors(exc.fields))
    except Conflict as exc:
        db.session.rollback()
        _flash(exc)
    else:
        flash(_("The dispute is resolved."), "success")
    return redirect(url_for("views.operator_disputes"), 303)
