"""揭榜挂帅 in six browsers: an enterprise posts a challenge, an operator approves it and
confirms the bounty's transfer, two universities propose, the poster asks a question,
awards one and declines the other with a reason; the winner's deal opens with the bounty
already in escrow (funded once both confirm the pre-filled terms, with no transfer); the
declined team reads its reason; a withdrawn challenge refunds its bounty."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import expect

from marketplace.challenges import money
from marketplace.core import ledger
from marketplace.extensions import db
from marketplace.models import Challenge, Organization
from marketplace.models.types import utcnow
from tests.challenges.fixtures import walk
from tests.e2e.helpers import exact, flash, label, log_in, t

TITLE = "耐 200℃ 高温的稀土永磁体"
SHOTS = Path(os.environ.get("E2E_SHOTS") or "instance/e2e-shots")


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"challenge-{name}.png"), full_page=True)


def verified_university(make, name: str):
    org = make.organization("university", name=name)
    with make.app.app_context():
        db.session.get(Organization, org.id).verification_status = "verified"
        db.session.commit()
    return make.user("researcher", organization=org)


def test_a_challenge_posted_funded_proposed_and_awarded(browser_page, make):
    poster, operator = make.user("enterprise_member"), make.operator()
    uni1 = verified_university(make, "宁波大学")
    uni2 = verified_university(make, "中科院宁波材料所")

    p = browser_page("poster")
    log_in(p, poster.email)
    p.get_by_role("link", name=t("Challenges"), exact=True).click()
    p.get_by_role("link", name=t("Post a challenge")).click()
    form = p.locator("form.form")
    form.get_by_label(label(t("Title"))).fill(TITLE)
    form.get_by_label(label(t("Public summary"))).fill("新能源汽车驱动电机用磁体")
    form.get_by_label(label(t("Problem statement"))).fill(
        "200℃ 下矫顽力不低于 20 kOe，不含重稀土。"
    )
    form.get_by_label(label(t("Domain"))).select_option("rare_earth_magnets")
    form.get_by_label(label(t("Bounty (yuan)"))).fill("10000")
    form.get_by_label(label(t("Proposal deadline"))).fill(
        (utcnow() + timedelta(days=20)).date().isoformat()
    )
    form.get_by_label(label(t("Delivery period (days)"))).fill("180")
    form.get_by_label(label(t("Evaluation criteria (one per line)"))).fill("技术路线\n团队能力")
    form.get_by_label(f"{t('Indicator')} 1").fill("矫顽力")
    form.get_by_label(f"{t('Target value')} 1").fill("20")
    form.get_by_label(f"{t('Unit')} 1").fill("kOe")
    form.get_by_label(f"{t('How it is tested')} 1").fill("GB/T 3217")
    shot(p, "1-form")
    form.get_by_role("button", name=t("Save as draft")).click()
    expect(flash(p)).to_have_text(t("The challenge is saved as a draft: submit it for review."))
    challenge_url = p.url
    cid = int(challenge_url.rstrip("/").rsplit("/", 1)[1])
    p.get_by_role("button", name=t("Submit for review")).click()
    expect(flash(p)).to_have_text(
        t("Submitted: an operator reviews the challenge before it is published.")
    )

    desk = browser_page("operator")
    log_in(desk, operator.email)
    desk.get_by_role("link", name=t("Review"), exact=True).click()
    desk.get_by_role("link", name=t("Challenges to review")).click()
    item = desk.locator("article.review-item").filter(has_text=TITLE)
    item.get_by_role("button", name=t("Approve")).click()
    expect(flash(desk)).to_have_text(
        t("Approved: the poster is asked to pay the bounty into escrow.")
    )

    # The poster reads how to pay the bounty in; the operator confirms the transfer.
    p.goto(challenge_url)
    p.get_by_role("link", name=t("How to pay the bounty in")).click()
    reference = f"CH{cid:06d}"
    expect(p.locator(".facts")).to_contain_text(reference)
    expect(p.locator(".facts")).to_contain_text("10,000")
    shot(p, "2-funding")
    desk.reload()
    transfer = desk.locator("article.review-item").filter(has_text=TITLE)
    transfer.get_by_label(t("Amount received (yuan)")).fill("10000")
    transfer.get_by_label(t("Reference on the transfer")).fill(reference)
    transfer.get_by_role("button", name=t("Confirm receipt")).click()
    expect(flash(desk)).to_have_text(t("The bounty is held in escrow; the challenge is open."))

    # The hall shows it with its countdown and "funds held".
    visitor = browser_page("visitor")
    visitor.goto("/challenges")
    card = visitor.locator("article.challenge-card").filter(has_text=TITLE)
    expect(card).to_contain_text(t("Bounty in escrow"))
    expect(card).to_contain_text("10,000")
    expect(card).to_contain_text("天")
    shot(visitor, "3-hall")

    # Two universities propose.
    teams = []
    for person, price, approach in (
        (uni1, "8000", "晶界扩散 + 铈掺杂"),
        (uni2, "9000", "热压变形"),
    ):
        s = browser_page(person.organization.name)
        log_in(s, person.email)
        s.goto("/challenges")
        s.get_by_role("link", name=TITLE).click()
        s.get_by_role("link", name=t("Propose a solution")).click()
        s.get_by_label(label(t("Technical approach"))).fill(approach)
        s.get_by_label("矫顽力 ≥ 20 kOe").fill("三轮烧结试验")
        s.get_by_label(label(t("Your price (yuan, within the bounty)"))).fill(price)
        s.get_by_label(t("If we win, our organization may be named in the challenge hall")).check()
        s.get_by_role("button", name=t("Submit the proposal")).click()
        expect(flash(s)).to_have_text(
            t("Your proposal is submitted; only the poster and operators read it.")
        )
        teams.append(s)
    winner, declined = teams
    shot(winner, "4-proposal")

    # The poster asks the first team a question; it answers.
    p.goto(challenge_url)
    p.get_by_role("link", name=t("Evaluate proposals")).click()
    first = p.locator("article.proposal").filter(has_text="宁波大学")
    first.get_by_label(t("Ask the team a question")).fill("样品何时可以送测？")
    first.get_by_role("button", name=t("Ask"), exact=True).click()
    expect(flash(p)).to_have_text(t("Your question is sent to the team."))
    winner.reload()
    winner.get_by_label(t("Your answer")).fill("三个月内")
    winner.get_by_role("button", name=t("Answer"), exact=True).click()
    expect(flash(winner)).to_have_text(t("Your answer is sent."))

    # The deadline passes; the poster closes proposals and decides.
    with make.app.app_context():
        db.session.get(Challenge, cid).proposal_deadline = utcnow() - timedelta(seconds=1)
        db.session.commit()
    p.goto(challenge_url)
    p.get_by_role("button", name=t("Close proposals")).click()
    p.get_by_role("link", name=t("Evaluate proposals")).click()
    expect(p.locator("article.proposal").filter(has_text="宁波大学")).to_contain_text("三个月内")
    decide = p.locator("form").filter(
        has=p.get_by_role("button", name=t("Award and notify every team"))
    )
    rows = decide.locator("tbody tr")
    rows.filter(has_text="宁波大学").locator("input[type=radio]").check()
    rows.filter(has_text="中科院宁波材料所").locator("input[name^=reason_]").fill(
        "方案可行，但报价高于获选方案且缺少中试数据"
    )
    shot(p, "5-evaluate")
    decide.get_by_role("button", name=t("Award and notify every team")).click()
    expect(flash(p)).to_have_text(
        t("Awarded: a deal is open with each winner, the bounty in its escrow.")
    )

    # The declined team reads its reason.
    declined.reload()
    expect(declined.locator(".outcome")).to_contain_text(
        "方案可行，但报价高于获选方案且缺少中试数据"
    )
    shot(declined, "6-declined")

    # The winner's deal: pre-filled terms at 8,000, the bounty in escrow; once both confirm
    # the terms it is funded without any transfer.
    winner.reload()
    expect(winner.locator(".outcome")).to_contain_text("8,000")
    winner.get_by_role("link", name=t("Open the deal")).click()
    terms = winner.locator(".terms-version.is-current")
    expect(terms.locator(".price")).to_contain_text("8,000")
    winner.get_by_role("button", name=t("Confirm version %(number)s", number=1)).click()
    deal_url = winner.url
    p.goto(deal_url)
    p.get_by_role("button", name=t("Confirm version %(number)s", number=1)).click()
    expect(p.locator(".deal-head .meta-line .badge").first).to_have_text(exact(t("Escrow funded")))
    shot(p, "7-deal")
    with make.app.app_context():
        challenge = db.session.get(Challenge, cid)
        assert money.held(db.session, challenge) == 0
        refunds = ledger.balance(db.session, money.refunds_account(db.session, challenge))
        assert refunds == 200_000  # the 2,000 yuan not awarded
        assert ledger.check(db.session) == []

    # Closed challenges show the winner (it agreed) and the amount.
    visitor.goto("/challenges?status=closed")
    card = visitor.locator("article.challenge-card").filter(has_text=TITLE)
    expect(card).to_contain_text("宁波大学")
    expect(card).to_contain_text("8,000")


def test_a_withdrawn_challenge_refunds_the_bounty(browser_page, make):
    poster, operator = make.user("enterprise_member"), make.operator()
    with make.app.app_context():
        cid = walk(db.session, poster, operator, "open", title="撤回的榜单")
    p = browser_page("poster")
    log_in(p, poster.email)
    p.goto(f"/challenges/{cid}")
    p.get_by_label(t("Reason")).fill("项目预算取消")
    p.get_by_role("button", name=t("Withdraw the challenge")).click()
    expect(flash(p)).to_have_text(
        t("The challenge is withdrawn; the bounty is refunded and every team is told why.")
    )
    expect(p.locator("main")).to_contain_text("项目预算取消")
    with make.app.app_context():
        challenge = db.session.get(Challenge, cid)
        assert challenge.state == "withdrawn"
        assert money.held(db.session, challenge) == 0
        refunds = ledger.balance(db.session, money.refunds_account(db.session, challenge))
        assert refunds == challenge.bounty
        assert ledger.check(db.session) == []
