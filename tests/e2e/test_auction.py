"""An auction in four browsers: two enterprises register and pay their deposits by bank
transfer, an operator confirms both; they bid against each other, each page updating
without a reload; a late bid extends the end; the lot closes (the worker's clock moved to
the end), the winner's deal is opened with the deposit counted, the winner pays the rest,
and the runner-up's deposit — held until then — is refunded."""

import re
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import Page, expect

from marketplace.auctions import closing, lots, settlement
from marketplace.extensions import db
from marketplace.models import AuctionLot, Organization
from marketplace.models.types import utcnow
from tests.e2e.helpers import exact, flash, label, log_in, t

TITLE = "高镍三元正极材料专利"
SHOTS = Path(__file__).resolve().parents[2] / "instance" / "e2e-auction"


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def live(page: Page, name: str):
    return page.locator(f'[data-live="{name}"]')


def verified(make, name: str):
    user = make.user("enterprise_member", display_name=name)
    org = db.session.get(Organization, user.organization_id)
    org.verification_status = "verified"
    db.session.commit()
    return user


def test_an_auction_with_two_bidders_live_an_extension_the_close_and_the_refund(
    app, browser_page, make
):
    operator = make.operator()
    seller = make.user("researcher", display_name="李娜")
    listing = make.listing(seller, status="published", title=TITLE)
    with app.app_context():
        a_user, b_user = verified(make, "王强"), verified(make, "赵敏")
        now = utcnow()
        auction = lots.schedule_session(
            db.session,
            db.session.get(type(operator), operator.id),
            title="新能源材料专场",
            domain="new_energy",
            starts_at=now + timedelta(seconds=20),
            ends_at=now + timedelta(minutes=30),
            now=now,
        )
        lot = lots.apply_lot(
            db.session,
            db.session.get(type(seller), seller.id),
            auction.id,
            {
                "listing_id": listing.id,
                "transfer_mode": "assignment",
                "start_price": 200_000_000,
                "ladder": [{"below": None, "step": 10_000_000}],
                "deposit": 20_000_000,
                "extension_minutes": 1,
            },
            now=now,
        )
        lots.decide_lot(db.session, db.session.get(type(operator), operator.id), lot.id, "admit")
        lot_id = lot.id
    url = f"/auctions/lots/{lot_id}"

    # Both enterprises register from the lot page and are told how to pay the deposit.
    pages, references = {}, {}
    for who, user in (("a", a_user), ("b", b_user)):
        page = browser_page(who)
        log_in(page, user.email)
        page.goto(url)
        page.get_by_role("button", name=t("Register to bid")).click()
        text = page.locator("main").inner_text()
        references[who] = re.search(r"TM-\d+-[2-9A-Z]{8}", text).group(0)
        pages[who] = page
    a, b = pages["a"], pages["b"]
    shot(a, "1-registered")

    # The operator confirms both bank transfers on the deposits queue.
    o = browser_page("operator")
    log_in(o, operator.email)
    o.goto("/operator/auctions/deposits")
    for who in ("a", "b"):
        item = o.locator("article.review-item").filter(has_text=references[who])
        item.get_by_label(label(t("Amount received (yuan)"))).fill("200000")
        item.get_by_label(label(t("Reference on the transfer"))).fill(references[who])
        item.get_by_role("button", name=t("Confirm receipt")).click()
        expect(flash(o)).to_have_text(t("The deposit is confirmed and held in escrow."))
    expect(o.get_by_text(t("No deposit is waiting."))).to_be_visible()

    # Bidding opens with the session (20 seconds after it was made).
    for page in (a, b):
        page.reload()
        expect(live(page, "phase_label")).to_have_text(exact(t("Bidding")), timeout=30_000)
        page.reload()
    # A bids the start price; B's page shows it without a reload.
    a.get_by_role("button", name=t("Place bid")).click()
    expect(flash(a)).to_have_text(t("Your bid was accepted: you are leading."))
    expect(live(b, "current_price")).to_contain_text("2,000,000")
    expect(live(b, "bid_count")).to_have_text("1")
    # B bids the next minimum (the form follows the price); A's page turns to outbid.
    expect(b.locator("#f-amount")).to_have_value("2100000")
    b.get_by_role("button", name=t("Place bid")).click()
    expect(flash(b)).to_have_text(t("Your bid was accepted: you are leading."))
    expect(live(a, "my_status")).to_have_text(t("You have been outbid"))
    # A's "you are leading" notice turns with it, without a reload.
    notice = live(a, "bid_notice")
    expect(notice).to_have_text(t("Another bidder has since bid more: you have been outbid."))
    expect(notice).to_have_attribute("role", "alert")
    expect(live(b, "bid_notice")).to_have_text(t("Your bid was accepted: you are leading."))
    expect(live(a, "current_price")).to_contain_text("2,100,000")
    shot(a, "2-outbid-live")

    # The end comes near (moved to 40 s from now): A's late bid extends it by a minute,
    # and B's page shows the extension without a reload.
    with app.app_context():
        row = db.session.get(AuctionLot, lot_id)
        row.ends_at = utcnow() + timedelta(seconds=40)
        db.session.commit()
    a.reload()
    a.get_by_role("button", name=t("Place bid")).click()
    expect(flash(a)).to_have_text(t("Your bid was accepted: you are leading."))
    expect(live(b, "extensions")).to_have_text("1")
    expect(live(b, "my_status")).to_have_text(t("You have been outbid"))
    shot(b, "3-extended-live")
    with app.app_context():
        row = db.session.get(AuctionLot, lot_id)
        assert row.extensions == 1
        assert row.ends_at - utcnow() > timedelta(seconds=60)
        # The worker's clock reaches the (extended) end: the lot closes.
        closed = closing.close_lot(db.session, lot_id, now=row.ends_at)
        assert closed.state == "sold"
        deal_id = closed.deal_id

    # A won: its page says so and leads to the deal, where the deposit counts.
    a.reload()
    expect(a.locator("main")).to_contain_text("2,200,000")
    b.reload()
    expect(b.locator("main")).to_contain_text(t("Held in escrow"))
    shot(b, "4-runner-up")
    a.get_by_role("link", name=t("Go to the deal")).first.click()
    expect(a).to_have_url(re.compile(rf"/deals/{deal_id}$"))
    a.get_by_role("button", name=t("Confirm version %(number)s", number=1)).click()
    expect(a.locator(".deal-head .meta-line .badge").first).to_have_text(
        exact(t("Contract agreed"))
    )
    pay = a.locator("form.pay-form").get_by_role("button")
    expect(pay).to_contain_text("2,000,000")  # 2,200,000 less the 200,000 deposit
    pay.click()
    reference = a.locator("#payment .reference").inner_text().strip()
    o.goto("/operator/funding")
    transfer = o.locator("article.review-item").filter(has_text=reference)
    transfer.get_by_label(label(t("Amount received (yuan)"))).fill("2000000")
    transfer.get_by_label(label(t("Reference on the transfer"))).fill(reference)
    transfer.get_by_role("button", name=t("Confirm receipt")).click()
    a.reload()
    statement = a.locator("#statement")
    expect(statement.locator(".stmt-funded dd")).to_contain_text("2,200,000")
    shot(a, "5-deal-funded")

    # The worker settles the funded lot: the runner-up's deposit is refunded.
    with app.app_context():
        done = settlement.settle_due(db.session)
        assert [d.outcome for d in done] == ["funded"]
    b.reload()
    expect(b.locator("main")).to_contain_text(t("Refunded"))
    shot(b, "6-refunded")
    results = browser_page("visitor")
    results.goto("/auctions/results")
    expect(results.locator("main")).to_contain_text("新能源材料专场")
    expect(results.locator("main")).to_contain_text("2,200,000")
    shot(results, "7-results")
    # The back office lists the session and its lot; the seller's application form.
    o.goto("/operator/auctions")
    expect(o.locator("main")).to_contain_text("新能源材料专场")
    shot(o, "8-operator-sessions")
    other = make.listing(seller, status="published", title="固态电解质膜")
    s = browser_page("seller")
    log_in(s, seller.email)
    s.goto(f"/listings/{other.id}")
    s.get_by_role("link", name=t("Apply for auction")).click()
    expect(s.locator("h1")).to_have_text(t("Apply for auction"))
    shot(s, "9-apply")
