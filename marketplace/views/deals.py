"""交易 pages: my deals, the deal page and its forms. (The operators' back office is in
deals_operator.py, the words in deal_text.py, the terms form in deal_terms_form.py.)

Forms → the deal services, called as marketplace/api/deals.py calls them (same schemas,
same payment gateway, the client's IP for the timeline) → templates. The services decide
who may see and do what; a page only hides the buttons a user could not use anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from marketplace.brokers import deal_timeline
from marketplace.core.errors import Conflict, Forbidden, Invalid
from marketplace.core.messages import N_
from marketplace.core.payments import gateway_for
from marketplace.core.uow import UnitOfWork
from marketplace.deals import cancellation as deal_cancellation
from marketplace.deals import delivery as deal_delivery
from marketplace.deals import escrow as deal_money
from marketplace.deals import files as deal_files
from marketplace.deals import machine as deals
from marketplace.deals import terms as deal_terms
from marketplace.deals import workflow as deal_workflow
from marketplace.extensions import db
from marketplace.models import Deal, User
from marketplace.models.deals import DEAL_STATES, PARTY_ROLES
from marketplace.models.vocab import CURRENCIES
from marketplace.schemas.deals import (
    CancelIn,
    ConfirmTermsIn,
    DealOpenIn,
    DealQuery,
    DeliverIn,
    DisputeIn,
    MessageIn,
    ProposeCancellationIn,
    RejectIn,
    ResolveIn,
)
from marketplace.views.base import (
    Errors,
    actor,
    attempt,
    bp,
    form_int,
    merge_errors,
    money,
    require_login,
)
from marketplace.views.brokers import broker_label
from marketplace.views.deal_terms_form import (
    MILESTONE_ROWS,
    terms_form,
    terms_payload,
    yuan_amount,
)
from marketplace.views.deal_text import client_ip, deal_label, load_form, visible_deal
from marketplace.vouchers import spending as voucher_spending
from marketplace.web.downloads import attachment_download, storage_dir

PER_PAGE = 20


# My deals -----------------------------------------------------------------------------


@bp.route("/deals")
@require_login
def my_deals():
    user = actor()
    raw = {k: request.args.get(k, "").strip() for k in ("state", "role", "page")}
    args, errors = load_form(DealQuery(), {k: v for k, v in raw.items() if v})
    if args is None:  # a bad filter is ignored, and said so
        args, _ignored = load_form(
            DealQuery(), {k: v for k, v in raw.items() if v and k not in errors}
        )
        args = args or {}
    page = deal_workflow.list_deals(db.session, user, **(args | {"per_page": PER_PAGE}))
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
    item_id = form_int(form.get(f"{kind}_id"))
    back = url_for(f"views.{kind}_detail", item_id=item_id) if item_id else url_for("views.home")
    payload = {"message": form.get("message", "")}
    if item_id:
        payload[f"{kind}_id"] = item_id
    data, errors = load_form(DealOpenIn(), payload)
    if data is None or not item_id:
        for messages in errors.values() or [[_("Choose a listing or a demand.")]]:
            for message in messages:
                flash(message, "error")
        return redirect(back, 303)
    opened = attempt(
        lambda: deal_workflow.open_deal(db.session, actor(), ip=client_ip(), **data),
        shown=(),
        flashed=(Conflict, Forbidden, Invalid),
    )
    if not opened.ok:
        return redirect(back, 303)
    flash(_("Your inquiry is sent. Negotiate here."), "success")
    return redirect(url_for("views.deal", deal_id=opened.value.id), 303)


# The deal page ------------------------------------------------------------------------


@bp.route("/deals/<int:deal_id>", endpoint="deal")
@require_login
def deal_page(deal_id: int):
    return render_deal(visible_deal(deal_id))


def render_deal(deal: Deal, posted: str = "", values=None, errors: Errors | None = None):
    """The deal page; after a refused form, that form shows the typed values and messages."""
    user = actor()
    roles = deals.actor_roles(deal, user)
    actions = deals.allowed_actions(deal, user)
    current = deal.current_terms
    entries = deal_timeline.timeline(db.session, deal, user)
    messages = deal_workflow.list_messages(db.session, user, deal.id)
    authors = {m.author_id for m in messages}
    names = _names({e.actor_id for e in entries} | _confirmers(deal) | authors)
    confirmed_by_me = {
        c.role for c in (current.confirmations if current else []) if c.role in roles
    }
    terms_values = values if posted == "terms" else terms_form(current)
    fundings = deal_money.fundings(db.session, deal)
    # The card form (and the policy that admits Stripe.js: security.py) only for a buyer
    # with a card payment to make.
    g.card_form = bool(
        current_app.config.get("STRIPE_PUBLISHABLE_KEY")
        and deals.BUYER in roles
        and any(f.provider == "stripe" and f.status == "pending" for f in fundings)
    )
    return render_template(
        "deals/detail.html",
        card_form=g.card_form,
        payment_configured=gateway_for(current_app).funding_configured(),
        deal=deal,
        roles=roles,
        actions=actions,
        current=current,
        agreed=deal.agreed_terms,
        cancellation=deals.open_cancellation(deal),
        broker_arbitrates=_broker_arbitrates(deal.id),
        can_confirm="confirm_terms" in actions and current and not confirmed_by_me,
        milestones=deal.milestones,
        fundings=fundings,
        messages=messages,
        attachments=deal_files.list_attachments(db.session, user, deal.id),
        timeline=[_line(e, names) for e in reversed(entries)],
        statement=deal_money.statement(db.session, deal),
        voucher_options=voucher_spending.options(db.session, user, deal),
        names=names,
        posted=posted,
        values=values if values is not None else MultiDict(),
        terms_values=terms_values,
        errors=errors or {},
        rows=MILESTONE_ROWS,
        currencies=CURRENCIES,
    ), (422 if errors else 200)


def _confirmers(deal: Deal) -> set[int | None]:
    return (
        {c.user_id for t in deal.terms_versions for c in t.confirmations}
        | {t.proposed_by_id for t in deal.terms_versions}
        | {t.broker_id for t in deal.terms_versions if t.broker_id}
    )


def _names(ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    users = db.session.scalars(select(User).where(User.id.in_(wanted)))
    return {u.id: u.display_name for u in users}


def _line(entry: deal_timeline.TimelineEntry, names: dict[int, str]) -> dict[str, Any]:
    """One timeline line: who, when, what (and, for operators only, from which IP)."""
    d = entry.detail
    if entry.action == deal_timeline.RECORD_ACTION:
        return {
            "at": entry.created_at,
            "role": entry.role,
            "who": names.get(entry.actor_id, ""),
            "what": _("recorded: %(kind)s", kind=broker_label("record", d["kind"])),
            "facts": list(entry.participants),
            "text": d["notes"],
            "to_state": None,
            "ip": None,
        }
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
        "at": entry.created_at,
        "role": entry.role,
        # The platform's own steps (agreement, completion) are not the triggering user's.
        "who": "" if entry.role == deals.SYSTEM else names.get(entry.actor_id, ""),
        "what": deal_label("action", entry.action),
        "facts": facts,
        "text": d.get("reason") or d.get("note") or "",
        "to_state": entry.to_state if entry.to_state != entry.from_state else None,
        "ip": entry.ip,
    }


def _form_action(deal_id: int, posted: str, run: Callable[[], Any], done: str):
    """Run a deal service for a form: success → back to the deal page with a message;
    input errors → the page again with the typed values (422); a refused transition or
    the wrong party → back with the reason."""
    visible_deal(deal_id)
    result = attempt(run)
    if result.errors:
        return render_deal(visible_deal(deal_id), posted, request.form, result.errors)
    if result.ok:
        flash(done, "success")
    return redirect(url_for("views.deal", deal_id=deal_id) + f"#{posted.split('-')[0]}", 303)


def _schema_form(deal_id: int, posted: str, schema: Schema, fields: tuple[str, ...], then):
    """Validate the named fields with the API's schema, then run ``then(data)``."""
    payload = {k: request.form.get(k, "") for k in fields}
    data, errors = load_form(schema, payload)
    if data is None:
        return render_deal(visible_deal(deal_id), posted, request.form, errors)
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
            lambda: deal_workflow.post_message(db.session, actor(), deal_id, data["body"]),
            _("Message sent."),
        ),
    )


@bp.route("/deals/<int:deal_id>/attachments", methods=["POST"])
@require_login
def deal_attachment_upload(deal_id: int):
    upload = request.files.get("file")

    def run():
        if upload is None or not upload.filename:
            raise Invalid({"file": N_("Choose a file.")})
        deal_files.add_attachment(
            db.session,
            actor(),
            deal_id,
            upload.stream,
            upload.filename,
            storage_dir=storage_dir(),
            max_bytes=current_app.config.get("MAX_ATTACHMENT_BYTES", deal_files.DEFAULT_MAX_BYTES),
            ip=client_ip(),
        )

    return _form_action(deal_id, "attachment", run, _("File attached."))


@bp.route("/deals/<int:deal_id>/attachments/<int:attachment_id>")
@require_login
def deal_attachment(deal_id: int, attachment_id: int):
    return attachment_download(deal_id, attachment_id)


@bp.route("/deals/<int:deal_id>/terms", methods=["POST"])
@require_login
def deal_propose_terms(deal_id: int):
    visible_deal(deal_id)
    data, errors = terms_payload(request.form)
    if data is None:
        return render_deal(visible_deal(deal_id), "terms", request.form, errors)
    fee = current_app.config.get("PLATFORM_FEE_BP", 300)
    return _form_action(
        deal_id,
        "terms",
        lambda: deal_terms.propose_terms(
            db.session,
            actor(),
            deal_id,
            data,
            platform_fee_bp=fee,
            acceptance_days=current_app.config["MILESTONE_ACCEPTANCE_DAYS"],
            ip=client_ip(),
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
                db.session, actor(), deal_id, data["terms_hash"], ip=client_ip()
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
            db.session, actor(), deal_id, gateway=gateway_for(current_app), ip=client_ip()
        ),
        _("Here is how to pay. The escrow is funded once the platform receives the money."),
    )


@bp.route("/deals/<int:deal_id>/start", methods=["POST"])
@require_login
def deal_start(deal_id: int):
    return _form_action(
        deal_id,
        "milestones",
        lambda: deal_workflow.start_work(db.session, actor(), deal_id, ip=client_ip()),
        _("Delivery has started."),
    )


@bp.route("/deals/<int:deal_id>/milestones/<int:milestone_id>/deliver", methods=["POST"])
@require_login
def deal_deliver_milestone(deal_id: int, milestone_id: int):
    """The supplier delivers: a note and files (each checked as a deal attachment)."""
    posted = f"deliver-{milestone_id}"
    uploads = [f for f in request.files.getlist("files") if f and f.filename][:20]

    def then(data):
        def run():
            # The files and the delivery in one unit of work: a refused delivery keeps no
            # file rows behind.
            with UnitOfWork(db.session):
                return deliver(data)

        def deliver(data):
            ids = [
                deal_files.add_attachment(
                    db.session,
                    actor(),
                    deal_id,
                    upload.stream,
                    upload.filename,
                    storage_dir=storage_dir(),
                    max_bytes=current_app.config.get(
                        "MAX_ATTACHMENT_BYTES", deal_files.DEFAULT_MAX_BYTES
                    ),
                    ip=client_ip(),
                ).id
                for upload in uploads
            ]
            return deal_delivery.deliver_milestone(
                db.session, actor(), deal_id, milestone_id, data["note"], ids, ip=client_ip()
            )

        return _form_action(
            deal_id,
            posted,
            run,
            _("The milestone is delivered; the buyer accepts or rejects it."),
        )

    return _schema_form(deal_id, posted, DeliverIn(), ("note",), then)


@bp.route("/deals/<int:deal_id>/milestones/<int:milestone_id>/reject", methods=["POST"])
@require_login
def deal_reject_milestone(deal_id: int, milestone_id: int):
    posted = f"reject-{milestone_id}"

    def then(data):
        return _form_action(
            deal_id,
            posted,
            lambda: deal_delivery.reject_milestone(
                db.session, actor(), deal_id, milestone_id, data["reason"], ip=client_ip()
            ),
            _("The delivery is rejected; the supplier delivers again."),
        )

    return _schema_form(deal_id, posted, RejectIn(), ("reason",), then)


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
            gateway=gateway_for(current_app),
            ip=client_ip(),
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
                db.session, actor(), deal_id, milestone_id, data["reason"], ip=client_ip()
            ),
            _(
                "The milestone is disputed; the broker named in the contract or an operator will decide."
            )
            if _broker_arbitrates(deal_id)
            else _("The milestone is disputed; an operator will decide."),
        )

    return _schema_form(deal_id, posted, DisputeIn(), ("reason",), then)


@bp.route("/deals/<int:deal_id>/cancel", methods=["POST"])
@require_login
def deal_cancel(deal_id: int):
    """Before funding either party; after funding an operator (arbitration)."""

    def then(data):
        return _form_action(
            deal_id,
            "cancel",
            lambda: deal_delivery.cancel(
                db.session,
                actor(),
                deal_id,
                data["reason"],
                gateway=gateway_for(current_app),
                ip=client_ip(),
            ),
            _("The deal is cancelled."),
        )

    return _schema_form(deal_id, "cancel", CancelIn(), ("reason",), then)


@bp.route("/deals/<int:deal_id>/cancellation", methods=["POST"])
@require_login
def deal_propose_cancellation(deal_id: int):
    def then(data):
        return _form_action(
            deal_id,
            "cancel",
            lambda: deal_cancellation.propose_cancellation(
                db.session,
                actor(),
                deal_id,
                data["reason"],
                lapse_days=current_app.config["DEAL_CANCELLATION_LAPSE_DAYS"],
                ip=client_ip(),
            ),
            _("Your cancellation proposal is sent; the other party accepts or declines it."),
        )

    return _schema_form(deal_id, "cancel", ProposeCancellationIn(), ("reason",), then)


@bp.route(
    "/deals/<int:deal_id>/cancellation/<any(accept,decline,withdraw):answer>", methods=["POST"]
)
@require_login
def deal_answer_cancellation(deal_id: int, answer: str):
    if answer == "accept":
        return _form_action(
            deal_id,
            "cancel",
            lambda: deal_cancellation.accept_cancellation(
                db.session, actor(), deal_id, gateway=gateway_for(current_app), ip=client_ip()
            ),
            _(
                "You accepted the cancellation: the deal is cancelled and the money still held is refunded to the buyer."
            ),
        )
    if answer == "withdraw":
        return _form_action(
            deal_id,
            "cancel",
            lambda: deal_cancellation.withdraw_cancellation(
                db.session, actor(), deal_id, ip=client_ip()
            ),
            _("Your cancellation proposal is withdrawn."),
        )

    def then(data):
        return _form_action(
            deal_id,
            "cancel",
            lambda: deal_cancellation.decline_cancellation(
                db.session, actor(), deal_id, data["reason"], ip=client_ip()
            ),
            _("You declined the cancellation; the deal goes on."),
        )

    return _schema_form(deal_id, "cancel", CancelIn(), ("reason",), then)


def _broker_arbitrates(deal_id: int) -> bool:
    """Whether the agreed terms let the deal's broker decide its disputes."""
    deal = db.session.get(Deal, deal_id)
    terms = deal.agreed_terms if deal is not None else None
    return bool(terms and terms.broker_may_arbitrate and terms.broker_id == deal.active_broker_id)


@bp.route("/deals/<int:deal_id>/milestones/<int:milestone_id>/resolve", methods=["POST"])
@require_login
def deal_resolve_dispute(deal_id: int, milestone_id: int):
    """The deal's broker, when the agreed terms let the broker arbitrate, decides a
    dispute on the deal page (operators decide in the back office): the same service as
    the API's and the back office's."""
    deal = visible_deal(deal_id)
    posted, errors = f"resolve-{milestone_id}", {}
    form = request.form
    payload: dict[str, Any] = {"outcome": form.get("outcome", ""), "note": form.get("note", "")}
    if form.get("outcome") == "split":
        terms = deal.agreed_terms
        release = yuan_amount(form, "release_amount", terms.currency if terms else "CNY", errors)
        if release is not None:
            payload["release_amount"] = release
    data, schema_errors = load_form(ResolveIn(), payload)
    errors = merge_errors(errors, {k: v for k, v in schema_errors.items() if k not in errors})
    if errors:
        return render_deal(deal, posted, form, errors)
    return _form_action(
        deal_id,
        posted,
        lambda: deal_delivery.resolve_dispute(
            db.session,
            actor(),
            deal_id,
            milestone_id,
            data["outcome"],
            release_amount=data.get("release_amount"),
            note=data["note"],
            gateway=gateway_for(current_app),
            ip=client_ip(),
        ),
        _("The dispute is resolved."),
    )
