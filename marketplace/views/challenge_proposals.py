"""揭榜 pages: the proposal form, the poster's evaluation page (shortlist, scores,
questions, reject with a reason, the award), and a solver's page of its proposal with its
outcome, reason and questions to answer."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marketplace.challenges import award, hall, workflow
from marketplace.challenges import files as proposal_files
from marketplace.challenges.lifecycle import POSTER
from marketplace.core.errors import Conflict, Forbidden, Invalid, NotFound
from marketplace.core.messages import N_
from marketplace.core.uploads import DEFAULT_MAX_BYTES
from marketplace.extensions import db
from marketplace.models import ChallengeProposal, ProposalQuestion
from marketplace.views.base import actor, attempt, bp, form_int, require_login
from marketplace.views.deal_terms_form import yuan_amount
from marketplace.views.deal_text import client_ip
from marketplace.web.downloads import proposal_file_download, storage_dir

FLASHED = (Invalid, Forbidden, Conflict)


def _challenge(challenge_id: int):
    return hall.get_challenge(db.session, actor(), challenge_id)


@bp.route(
    "/challenges/<int:challenge_id>/propose", methods=["GET", "POST"], endpoint="challenge_propose"
)
@require_login
def challenge_propose(challenge_id: int):
    user = actor()
    challenge = _challenge(challenge_id)
    if not hall.may_read_details(db.session, user, challenge):
        flash(_("Accept the confidentiality terms to read the details first."), "info")
        return redirect(url_for("views.challenge_detail", challenge_id=challenge_id), 303)
    errors: dict[str, list[str]] = {}
    form = request.form
    if request.method == "POST":
        price = yuan_amount(form, "price", challenge.currency, errors)
        team = [
            {"name": line.strip()[:100], "role": ""}
            for line in (form.get("team") or "").splitlines()
            if line.strip()
        ]
        plan = [
            {"indicator_id": i.id, "plan": (form.get(f"plan_{i.id}") or "").strip()}
            for i in challenge.indicators
        ]
        if not errors:
            done = attempt(
                lambda: workflow.propose(
                    db.session,
                    user,
                    challenge_id,
                    approach=(form.get("approach") or "").strip(),
                    price=price if price is not None else 0,
                    team=team,
                    plan=[p for p in plan if p["plan"]],
                    disclose_win=form.get("disclose_win") == "1",
                ),
                flashed=(Conflict, Forbidden),
            )
            if done.ok:
                flash(
                    _("Your proposal is submitted; only the poster and operators read it."),
                    "success",
                )
                return redirect(url_for("views.challenge_proposal", proposal_id=done.value.id), 303)
            if done.refusal is not None and not done.errors:
                return redirect(url_for("views.challenge_detail", challenge_id=challenge_id), 303)
            errors = done.errors
    return render_template(
        "challenges/propose.html", challenge=challenge, values=form, errors=errors
    )


def _evaluable(challenge_id: int):
    user = actor()
    challenge = _challenge(challenge_id)
    if POSTER not in workflow.roles(user, challenge):
        raise NotFound(N_("No challenge %(id)s."), id=challenge_id)
    return user, challenge


@bp.route("/challenges/<int:challenge_id>/evaluate", endpoint="challenge_evaluate")
@require_login
def challenge_evaluate(challenge_id: int):
    user, challenge = _evaluable(challenge_id)
    proposals = workflow.visible_proposals(db.session, user, challenge)
    return render_template(
        "challenges/evaluate.html",
        challenge=challenge,
        proposals=proposals,
        totals={p.id: sum(s.score for s in p.scores) for p in proposals},
    )


@bp.route("/challenges/<int:challenge_id>/award", methods=["POST"], endpoint="challenge_award")
@require_login
def challenge_award(challenge_id: int):
    user, challenge = _evaluable(challenge_id)
    form, errors = request.form, {}
    winners, reasons = [], {}
    for proposal in workflow.visible_proposals(db.session, user, challenge):
        if proposal.state not in ("submitted", "shortlisted"):
            continue
        if form.get(f"win_{proposal.id}") == "1":
            amount = yuan_amount(form, f"amount_{proposal.id}", challenge.currency, errors)
            winners.append(
                {
                    "proposal_id": proposal.id,
                    "amount": amount,
                    "reason": (form.get(f"reason_{proposal.id}") or "").strip(),
                }
            )
        else:
            reasons[proposal.id] = (form.get(f"reason_{proposal.id}") or "").strip()
    if errors:
        for messages in errors.values():
            for message in messages:
                flash(message, "error")
    else:
        done = attempt(
            lambda: award.award(db.session, user, challenge_id, winners, reasons, ip=client_ip()),
            shown=(),
            flashed=FLASHED,
        )
        if done.ok:
            flash(
                _("Awarded: a deal is open with each winner, the bounty in its escrow."), "success"
            )
            return redirect(url_for("views.challenge_detail", challenge_id=challenge_id), 303)
    return redirect(url_for("views.challenge_evaluate", challenge_id=challenge_id), 303)


PROPOSAL_DONE = {
    "shortlist": _l("Shortlisted."),
    "reject": _l("The proposal is declined; its team reads your reason."),
    "score": _l("Scores saved."),
    "ask": _l("Your question is sent to the team."),
}


@bp.route(
    "/challenges/proposals/<int:proposal_id>/<any(shortlist,reject,score,ask):action>",
    methods=["POST"],
    endpoint="proposal_action",
)
@require_login
def proposal_action(proposal_id: int, action: str):
    user, form = actor(), request.form
    proposal = db.session.get(ChallengeProposal, proposal_id)
    if proposal is None:
        raise NotFound(N_("No proposal %(id)s."), id=proposal_id)
    challenge_id = proposal.challenge_id

    def scores() -> dict[str, Any]:
        found = {}
        for criterion in proposal.challenge.criteria or []:
            value = form_int(form.get(f"score_{criterion}"), 100)
            if value is not None:
                found[criterion] = value
        return found

    calls = {
        "shortlist": lambda: workflow.shortlist(db.session, user, proposal_id),
        "reject": lambda: award.reject(db.session, user, proposal_id, form.get("reason") or ""),
        "score": lambda: workflow.score(db.session, user, proposal_id, scores()),
        "ask": lambda: workflow.ask(db.session, user, proposal_id, form.get("question") or ""),
    }
    done = attempt(calls[action], shown=(), flashed=FLASHED)
    if done.ok:
        flash(str(PROPOSAL_DONE[action]), "success")
    return redirect(
        url_for("views.challenge_evaluate", challenge_id=challenge_id) + f"#p-{proposal_id}", 303
    )


@bp.route("/challenges/proposals/<int:proposal_id>", endpoint="challenge_proposal")
@require_login
def challenge_proposal(proposal_id: int, errors: dict | None = None):
    user = actor()
    proposal = workflow.readable_proposal(db.session, user, proposal_id)
    challenge = proposal.challenge
    solver = user.organization_id == proposal.organization_id
    return render_template(
        "challenges/proposal.html",
        proposal=proposal,
        challenge=challenge,
        indicators={i.id: i for i in challenge.indicators},
        solver=solver,
        may_attach=solver
        and challenge.state in ("open", "evaluating")
        and proposal.state in ("submitted", "shortlisted"),
        max_files=proposal_files.MAX_FILES,
        errors=errors or {},
    ), (422 if errors else 200)


@bp.route(
    "/challenges/proposals/<int:proposal_id>/files",
    methods=["POST"],
    endpoint="proposal_file_upload",
)
@require_login
def proposal_file_upload(proposal_id: int):
    upload = request.files.get("file")

    def run():
        if upload is None or not upload.filename:
            raise Invalid({"file": N_("Choose a file.")})
        return proposal_files.add_file(
            db.session,
            actor(),
            proposal_id,
            upload.stream,
            upload.filename,
            storage_dir=storage_dir(),
            max_bytes=current_app.config.get("MAX_ATTACHMENT_BYTES", DEFAULT_MAX_BYTES),
        )

    done = attempt(run, flashed=FLASHED[1:])
    if done.errors:
        return challenge_proposal(proposal_id, errors=done.errors)
    if done.ok:
        flash(_("File attached."), "success")
    return redirect(url_for("views.challenge_proposal", proposal_id=proposal_id) + "#files", 303)


@bp.route("/challenges/proposals/<int:proposal_id>/files/<int:file_id>", endpoint="proposal_file")
@require_login
def proposal_file(proposal_id: int, file_id: int):
    return proposal_file_download(proposal_id, file_id)


@bp.route(
    "/challenges/questions/<int:question_id>/answer",
    methods=["POST"],
    endpoint="question_answer",
)
@require_login
def question_answer(question_id: int):
    user = actor()
    done = attempt(
        lambda: workflow.answer(db.session, user, question_id, request.form.get("answer") or ""),
        shown=(),
        flashed=FLASHED,
    )
    if done.ok:
        flash(_("Your answer is sent."), "success")
    row = db.session.get(ProposalQuestion, question_id)
    if row is None:
        raise NotFound(N_("No question %(id)s."), id=question_id)
    return redirect(url_for("views.challenge_proposal", proposal_id=row.proposal_id), 303)
