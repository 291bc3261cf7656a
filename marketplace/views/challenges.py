"""揭榜挂帅 pages: the public 榜单 hall, a challenge's page (details behind the NDA
click-through), posting, the funding instructions, the operators' queue, and the
challenge's own actions. The proposal pages (propose, evaluate, a solver's proposal) are
in challenge_proposals.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from marketplace.challenges import hall, workflow
from marketplace.challenges.lifecycle import CHALLENGE_WORDS, PROPOSAL
from marketplace.core.errors import Conflict, Forbidden, Invalid, NotFound
from marketplace.core.messages import N_
from marketplace.core.payments import gateway_for
from marketplace.extensions import db
from marketplace.models.challenges import ELIGIBILITIES, PAYMENT_MODES, VISIBILITIES
from marketplace.models.types import utcnow
from marketplace.models.vocab import DOMAINS
from marketplace.schemas.challenges import ChallengeIn, FundingConfirmIn
from marketplace.views.base import actor, attempt, bp, form_int, merge_errors, require_login
from marketplace.views.deal_terms_form import yuan_amount
from marketplace.views.deal_text import load_form
from marketplace.views.matching import challenge_context
from marketplace.views.second_factor import step_up_page

CHOICES = {
    "payment_mode": {
        "on_award": _l("Paid in full on award"),
        "milestones": _l("Paid by milestones"),
    },
    "eligibility": {
        "verified_org": _l("Any verified organization"),
        "research_only": _l("Universities and research institutes only"),
    },
    "visibility": {
        "public": _l("Public"),
        "summary_public": _l("Summary public; details after a confidentiality agreement"),
    },
}
INDICATOR_ROWS = 5


@bp.app_template_global()
def challenge_label(kind: str, code: str | None) -> str:
    """A challenge's or a proposal's word for people (state, payment mode…)."""
    if kind == "state":
        words = CHALLENGE_WORDS["state"]
    elif kind == "proposal":
        words = PROPOSAL.words["state"]
    else:
        words = CHOICES[kind]
    return str(words.get(code, code)) if code else ""


@bp.app_template_global()
def time_left(deadline: datetime | None) -> str:
    """A deadline's countdown: '还剩 3 天 4 小时', or that it has passed."""
    if deadline is None:
        return ""
    seconds = int((deadline - utcnow()).total_seconds())
    if seconds <= 0:
        return _("Closed for proposals")
    days, hours = seconds // 86400, seconds % 86400 // 3600
    if days:
        return _("%(days)s days %(hours)s hours left", days=days, hours=hours)
    return _("%(hours)s hours %(minutes)s minutes left", hours=hours, minutes=seconds % 3600 // 60)


@bp.route("/challenges", endpoint="challenges")
def challenges_page():
    status = "closed" if request.args.get("status") == "closed" else "open"
    domain = request.args.get("domain") if request.args.get("domain") in DOMAINS else None
    min_yuan = form_int(request.args.get("min_bounty"), 10**10)
    cards = hall.hall(
        db.session, status=status, domain=domain, min_bounty=min_yuan * 100 if min_yuan else None
    )
    return render_template(
        "challenges/hall.html",
        cards=cards,
        status=status,
        domain=domain,
        domains=DOMAINS,
        min_yuan=min_yuan,
    )


def _visible(challenge_id: int):
    try:
        return hall.get_challenge(db.session, actor(), challenge_id)
    except NotFound:
        raise NotFound(N_("No challenge %(id)s."), id=challenge_id) from None


@bp.route("/challenges/<int:challenge_id>", endpoint="challenge_detail")
def challenge_detail(challenge_id: int):
    user = actor()
    challenge = _visible(challenge_id)
    mine = workflow.roles(user, challenge)
    own = [
        p
        for p in workflow.visible_proposals(db.session, user, challenge)
        if user is not None and p.organization_id == user.organization_id
    ]
    return render_template(
        "challenges/detail.html",
        challenge=challenge,
        card=hall.card(db.session, challenge),
        roles=mine,
        details=hall.may_read_details(db.session, user, challenge),
        own=own[0] if own else None,
        **(challenge_context(db.session, user, challenge) if challenge.state == "open" else {}),
    )


# Posting -----------------------------------------------------------------------------


def challenge_payload(form: MultiDict) -> tuple[dict[str, Any] | None, dict[str, list[str]]]:
    """ChallengeIn from the posting form: the bounty in 元, the deadline as a Beijing
    date, up to five indicator rows (empty rows ignored), criteria one per line."""
    errors: dict[str, list[str]] = {}
    bounty = yuan_amount(form, "bounty", "CNY", errors)
    deadline = (form.get("proposal_deadline") or "").strip()
    payload: dict[str, Any] = {
        key: (form.get(key) or "").strip()
        for key in ("title", "summary", "statement", "domain", "ip_terms")
    }
    payload |= {
        "payment_mode": form.get("payment_mode") or "on_award",
        "eligibility": form.get("eligibility") or "verified_org",
        "visibility": form.get("visibility") or "public",
        "allow_split": form.get("allow_split") == "1",
        "criteria": [c.strip() for c in (form.get("criteria") or "").splitlines() if c.strip()],
        "proposal_deadline": f"{deadline}T23:59:59+08:00" if deadline else "",
        "delivery_days": (form.get("delivery_days") or "").strip(),
        "indicators": [
            {
                "name": (form.get(f"ind_name_{i}") or "").strip(),
                "target_value": (form.get(f"ind_target_{i}") or "").strip(),
                "unit": (form.get(f"ind_unit_{i}") or "").strip(),
                "test_method": (form.get(f"ind_test_{i}") or "").strip(),
            }
            for i in range(INDICATOR_ROWS)
            if (form.get(f"ind_name_{i}") or form.get(f"ind_target_{i}") or "").strip()
        ],
    }
    if bounty is not None:
        payload["bounty"] = bounty
    data, schema_errors = load_form(ChallengeIn(), payload)
    flat = {k.split(".")[0]: v for k, v in schema_errors.items()}
    return data, merge_errors(errors, {k: v for k, v in flat.items() if k not in errors})


@bp.route("/challenges/new", methods=["GET", "POST"], endpoint="challenge_new")
@require_login
def challenge_new():
    user = actor()
    if not (user.has_role("enterprise_member") or user.is_operator):
        raise Forbidden(N_("Only enterprise members and operators post challenges."))
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        data, errors = challenge_payload(request.form)
        if data is not None and not errors:
            indicators = data.pop("indicators")
            data.pop("organization_id", None)
            done = attempt(lambda: workflow.post(db.session, user, data, indicators))
            if done.ok:
                flash(_("The challenge is saved as a draft: submit it for review."), "success")
                return redirect(url_for("views.challenge_detail", challenge_id=done.value.id), 303)
            if not done.errors:  # refused, not the input: the reason is flashed
                return redirect(url_for("views.challenges"), 303)
            errors = done.errors
    return render_template(
        "challenges/form.html",
        values=request.form,
        errors=errors,
        domains=DOMAINS,
        rows=range(INDICATOR_ROWS),
        choices={
            "payment_mode": [(k, CHOICES["payment_mode"][k]) for k in PAYMENT_MODES],
            "eligibility": [(k, CHOICES["eligibility"][k]) for k in ELIGIBILITIES],
            "visibility": [(k, CHOICES["visibility"][k]) for k in VISIBILITIES],
        },
    )


# The challenge's actions -----------------------------------------------------------------

ACTIONS = ("submit", "nda", "close", "withdraw", "decline", "approve", "reject")


@bp.route(
    "/challenges/<int:challenge_id>/<any(submit,nda,close,withdraw,decline,approve,reject):action>",
    methods=["POST"],
    endpoint="challenge_action",
)
@require_login
def challenge_action(challenge_id: int, action: str):
    user, reason = actor(), (request.form.get("reason") or "").strip()
    calls = {
        "submit": lambda: workflow.submit(db.session, user, challenge_id),
        "nda": lambda: hall.accept_nda(db.session, user, challenge_id),
        "close": lambda: workflow.close_proposals(db.session, user, challenge_id),
        "withdraw": lambda: workflow.withdraw(db.session, user, challenge_id, reason),
        "decline": lambda: workflow.decline_all(db.session, user, challenge_id, reason),
        "approve": lambda: workflow.review(db.session, user, challenge_id, "approve"),
        "reject": lambda: workflow.review(db.session, user, challenge_id, "reject", reason),
    }
    done = attempt(calls[action], shown=(), flashed=(Invalid, Forbidden, Conflict))
    if done.ok:
        flash(str(DONE[action]), "success")
    if action in ("approve", "reject"):
        return redirect(url_for("views.challenge_review"), 303)
    return redirect(url_for("views.challenge_detail", challenge_id=challenge_id), 303)


DONE = {
    "submit": _l("Submitted: an operator reviews the challenge before it is published."),
    "nda": _l("You accepted the confidentiality terms; the details are shown below."),
    "close": _l("Proposals are closed: evaluate them and decide."),
    "withdraw": _l(
        "The challenge is withdrawn; the bounty is refunded and every team is told why."
    ),
    "decline": _l("Nobody is awarded; the bounty is refunded and every team is told why."),
    "approve": _l("Approved: the poster is asked to pay the bounty into escrow."),
    "reject": _l("Rejected: the poster reads your note."),
}


# Funding -------------------------------------------------------------------------------


@bp.route("/challenges/<int:challenge_id>/funding", endpoint="challenge_funding")
@require_login
def challenge_funding(challenge_id: int):
    challenge = _visible(challenge_id)
    info = hall.funding_instructions(
        db.session, actor(), challenge_id, gateway=gateway_for(current_app)
    )
    return render_template("challenges/funding.html", challenge=challenge, info=info)


@bp.route("/operator/challenges", endpoint="challenge_review")
@require_login
def challenge_review(posted: str = "", errors: dict | None = None):
    queue = hall.review_queue(db.session, actor())
    return render_template(
        "challenges/review.html",
        queue=queue,
        posted=posted,
        errors=errors or {},
        values=request.form if posted else {},
    )


@bp.route(
    "/operator/challenges/<int:challenge_id>/funding",
    methods=["POST"],
    endpoint="challenge_confirm_funding",
)
@require_login
@step_up_page
def challenge_confirm_funding(challenge_id: int):
    user = actor()
    hall.review_queue(db.session, user)  # operators only
    errors: dict[str, list[str]] = {}
    amount = yuan_amount(request.form, "amount", "CNY", errors)
    payload: dict[str, Any] = {"reference": (request.form.get("reference") or "").strip()}
    if amount is not None:
        payload["amount"] = amount
    data, schema_errors = load_form(FundingConfirmIn(), payload)
    errors = merge_errors(errors, {k: v for k, v in schema_errors.items() if k not in errors})
    if not errors:
        done = attempt(lambda: workflow.confirm_funding(db.session, user, challenge_id, **data))
        if done.ok:
            flash(_("The bounty is held in escrow; the challenge is open."), "success")
            return redirect(url_for("views.challenge_review"), 303)
        errors = done.errors
    return challenge_review(f"fund-{challenge_id}", errors)


@bp.route("/challenges/mine", endpoint="my_challenges")
@require_login
def my_challenges():
    return render_template("challenges/mine.html", rows=hall.mine(db.session, actor()))
