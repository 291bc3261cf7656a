"""A whole deal with a broker, in four browsers, and what each person was told.

Inquiry, broker invited and joined, terms showing the commission and the arbitration
clause, both confirmations, a bank transfer confirmed by an operator, a delivery rejected
and delivered again, acceptance, a cancellation proposed and declined, completion, and
the payouts (the broker's commission among them) executed. After each step the people
concerned have its notification — under the bell and as a mail file — and the one who
acted has none; at the end everyone's 我的待办 is empty."""

from __future__ import annotations

import re
from email import message_from_bytes
from email.header import decode_header, make_header
from pathlib import Path

from playwright.sync_api import Page, expect
from sqlalchemy import select

from marketplace.core.mailer import sent_files
from marketplace.extensions import db
from marketplace.models import Notification, User
from tests.brokers.fixtures import verified_broker
from tests.e2e.helpers import flash, label, log_in, t, tp

TITLE = "钠离子电池正极材料的独家许可"


def milestone(page: Page, number: int, field: str):
    return page.get_by_label(f"{t('Milestone %(number)s', number=number)} {t(field)}", exact=True)


def subjects(app, email: str) -> list[str]:
    """The subjects of the mails written to ``email`` (decoded), oldest first."""
    out = []
    for path in sent_files(Path(app.config["MAIL_FILE_DIR"])):
        message = message_from_bytes(path.read_bytes())
        if email.lower() in str(message["To"]).lower():
            out.append(str(make_header(decode_header(message["Subject"]))))
    return out


class Told:
    """Who was told what: the kinds of each person's notifications, and their mails."""

    def __init__(self, app, people: dict[str, User]):
        self.app, self.people = app, people
        self.seen = {name: self.kinds(u) for name, u in people.items()}
        self.mails = {name: len(subjects(app, u.email)) for name, u in people.items()}

    def kinds(self, user: User) -> list[str]:
        with self.app.app_context():
            rows = db.session.scalars(
                select(Notification.kind)
                .where(Notification.user_id == user.id, Notification.deal_id.is_not(None))
                .order_by(Notification.id)
            ).all()
            db.session.remove()
            return list(rows)

    def step(self, expected: dict[str, list[str]], title_words: dict[str, str] | None = None):
        """Since the last step: exactly these new kinds per person (others: none), and as
        many new mails, each saying what happened (``title_words``: a word of it)."""
        for name, user in self.people.items():
            now = self.kinds(user)
            new = now[len(self.seen[name]) :]
            assert sorted(new) == sorted(expected.get(name, [])), (name, new)
            self.seen[name] = now
            mails = subjects(self.app, user.email)
            new_mails = mails[self.mails[name] :]
            assert len(new_mails) == len(new), (name, new_mails)
            if title_words and name in title_words and new_mails:
                assert any(title_words[name] in s for s in new_mails), (name, new_mails)
            self.mails[name] = len(mails)


def accept_dialogs(page: Page) -> Page:
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def test_a_whole_deal_with_a_broker_tells_everyone_each_step(app, browser_page, make, e2e_search):
    supplier = make.user("researcher", display_name="李娜")
    listing = make.listing(supplier, status="published", title=TITLE)
    buyer = make.user("enterprise_member", display_name="王强")
    operator = make.operator()
    with app.app_context():
        broker = verified_broker(db.session, make, operator, display_name="赵经纪")
        for user, bank in ((supplier, "供方银行"), (broker, "经纪银行")):
            org = db.session.get(User, user.id).organization
            org.payout_bank, org.payout_account_holder = bank, org.name
            org.payout_account_number = "6222 1111 2222"
        db.session.commit()
        db.session.remove()
    told = Told(app, {"buyer": buyer, "supplier": supplier, "broker": broker})

    # The buyer asks: the supplier is told of the new inquiry.
    b = accept_dialogs(browser_page("buyer"))
    log_in(b, buyer.email)
    b.goto(f"/listings/{listing.id}")
    b.locator("#contact").get_by_label(t("Your first message")).fill("可以独家许可吗？")
    b.locator("#contact").get_by_role("button", name=t("Start a deal")).click()
    expect(flash(b)).to_have_text(t("Your inquiry is sent. Negotiate here."))
    deal_id = int(re.search(r"/deals/(\d+)$", b.url).group(1))
    told.step({"supplier": ["deal_opened"]}, {"supplier": "新询价"})

    # The buyer invites the broker, who accepts from their profile page.
    b.goto(f"/brokers/{broker.id}")
    b.locator("#invite-form").get_by_role("button", name=t("Invite")).click()
    expect(flash(b)).to_have_text(t("The broker is invited. They join the deal when they accept."))
    told.step({"broker": ["broker_invited"]})
    k = accept_dialogs(browser_page("broker"))
    log_in(k, broker.email)
    k.goto("/my/todos")
    expect(k.locator(".todo")).to_have_count(1)
    k.locator(".todo a.button").click()
    k.get_by_role("button", name=t("Accept"), exact=True).first.click()
    told.step({"buyer": ["broker_joined"], "supplier": ["broker_joined"]})

    # The supplier proposes terms with the broker's commission and arbitration; both see
    # them before confirming.
    s = accept_dialogs(browser_page("supplier"))
    log_in(s, supplier.email)
    s.goto("/notifications")
    s.get_by_role("link", name=re.compile("新询价")).click()
    expect(s).to_have_url(re.compile(rf"/deals/{deal_id}$"))
    s.get_by_label(label(t("Price (yuan)"))).fill("1000000")
    s.get_by_label(label(t("Transfer mode"))).select_option("license_exclusive")
    milestone(s, 1, "Title").fill("样品与工艺包交付")
    milestone(s, 1, "Amount (yuan)").fill("600000")
    milestone(s, 2, "Title").fill("技术培训")
    milestone(s, 2, "Amount (yuan)").fill("400000")
    s.get_by_label(t("Broker commission (percent of each release)")).fill("5")
    s.get_by_label(t("The broker may arbitrate disputes")).check()
    s.get_by_role("button", name=t("Propose these terms")).click()
    told.step({"buyer": ["terms_proposed"], "broker": ["terms_proposed"]}, {"buyer": "条款"})
    b.goto("/my/todos")
    b.locator(".todo a.button").first.click()
    current = b.locator(".terms-version.is-current")
    expect(current.locator(".terms-commission")).to_contain_text("5.00%")
    expect(current.locator(".terms-arbitration")).to_contain_text(broker.display_name)
    b.get_by_role("button", name=t("Confirm version %(number)s", number=1)).click()
    told.step({"supplier": ["terms_confirmed"], "broker": ["terms_confirmed"]})
    s.reload()
    s.get_by_role("button", name=t("Confirm version %(number)s", number=1)).click()
    told.step({"buyer": ["terms_agreed"], "broker": ["terms_agreed"]})

    # The buyer pays by bank transfer; the operator confirms it from the to-do page.
    b.reload()
    b.locator("form.pay-form").get_by_role("button").click()
    reference = b.locator("#payment .reference").inner_text().strip()
    o = accept_dialogs(browser_page("operator"))
    log_in(o, operator.email)
    o.goto("/my/todos")
    o.locator(".todo[data-kind=confirm_transfer] a.button").click()
    transfer = o.locator("article.review-item").filter(has_text=reference)
    transfer.get_by_label(label(t("Amount received (yuan)"))).fill("1000000")
    transfer.get_by_label(label(t("Reference on the transfer"))).fill(reference)
    transfer.get_by_role("button", name=t("Confirm receipt")).click()
    expect(o.get_by_text(t("No bank transfer is waiting."))).to_be_visible()
    told.step({n: ["deal_funded"] for n in ("buyer", "supplier", "broker")})

    def deliver(note: str) -> None:
        s.goto(f"/deals/{deal_id}")
        s.locator("details.deliver summary").first.click()
        s.locator("details.deliver").first.locator("textarea").fill(note)
        s.locator("details.deliver").first.get_by_role("button", name=t("Deliver")).click()

    # Delivered, rejected with a reason, delivered again, accepted.
    deliver("样品及工艺包见附件说明")
    told.step({"buyer": ["milestone_delivered"], "broker": ["milestone_delivered"]})
    b.goto("/my/todos")
    expect(b.locator(".todo[data-kind=accept]")).to_have_count(1)
    b.locator(".todo[data-kind=accept] a.button").click()
    b.locator("details.reject summary").first.click()
    b.locator("details.reject").first.locator("textarea").fill("缺少第三方检测报告")
    b.locator("details.reject").first.get_by_role("button", name=t("Reject the delivery")).click()
    told.step({"supplier": ["milestone_rejected"], "broker": ["milestone_rejected"]})
    deliver("补充了第三方检测报告")
    told.step({"buyer": ["milestone_delivered"], "broker": ["milestone_delivered"]})
    b.goto(f"/deals/{deal_id}")
    b.get_by_role("button", name=tp("milestone", "Accept"), exact=True).first.click()
    told.step({"supplier": ["milestone_accepted"], "broker": ["milestone_accepted"]})

    # A cancellation proposed by the buyer and declined by the supplier.
    b.goto(f"/deals/{deal_id}")
    proposal = b.locator(f"form[action='/deals/{deal_id}/cancellation']")
    proposal.locator("textarea").fill("预算调整，想先暂停")
    proposal.get_by_role("button", name=t("Propose cancellation")).click()
    told.step({"supplier": ["cancel_proposed"], "broker": ["cancel_proposed"]})
    s.goto("/my/todos")
    expect(s.locator(".todo[data-kind=answer_cancellation]")).to_have_count(1)
    s.locator(".todo[data-kind=answer_cancellation] a.button").click()
    s.get_by_role("button", name=t("Decline the cancellation")).click()
    told.step({"buyer": ["cancel_declined"], "broker": ["cancel_declined"]})

    # The second milestone, delivered and accepted: the deal is complete.
    deliver("培训已完成，签到表见附件")
    told.step({"buyer": ["milestone_delivered"], "broker": ["milestone_delivered"]})
    b.goto(f"/deals/{deal_id}")
    b.get_by_role("button", name=tp("milestone", "Accept"), exact=True).first.click()
    told.step(
        {
            "supplier": ["milestone_accepted", "deal_completed"],
            "broker": ["milestone_accepted", "deal_completed"],
        }
    )

    # The operator executes every payout from the to-do page, the broker's commission
    # among them: the supplier and the broker are told.
    o.goto("/my/todos")
    payouts = o.locator(".todo[data-kind=execute_payout]")
    expect(payouts).to_have_count(4)  # two releases, two commissions
    payouts.first.locator("a.button").click()
    for n in range(4):
        item = o.locator("article.review-item").first
        item.get_by_label(label(t("Bank transfer reference"))).fill(f"BANK-{n}")
        item.get_by_role("button", name=t("Mark as executed")).click()
        expect(o.locator("article.review-item")).to_have_count(3 - n)
    told.step(
        {"supplier": ["payout_executed"] * 2, "broker": ["payout_executed"] * 2},
        {"broker": "已付款"},
    )

    # Under each bell, the notifications link to the deal; every to-do list is empty.
    b.goto("/notifications")
    expect(b.locator(".notification").filter(has_text="里程碑 1")).not_to_have_count(0)
    for page in (b, s, k, o):
        page.goto("/my/todos")
        expect(page.get_by_text(t("Nothing waits for you."))).to_be_visible()
        expect(page.locator(".todo-count")).to_have_count(0)
