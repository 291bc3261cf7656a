"""Register, log out, log in again: the account pages in a real browser."""

import re

from playwright.sync_api import expect

from tests.conftest import PASSWORD as USER_PASSWORD
from tests.e2e.helpers import flash, label, log_in, t
from tests.mails import link_path

EMAIL = "li.na@nbu.example.cn"
PASSWORD = "钠电池-2026-secret"


def test_register_then_log_out_and_back_in(browser_page, app):
    page = browser_page("researcher")
    page.goto("/")
    page.get_by_role("link", name=t("Register"), exact=True).click()
    expect(page.get_by_role("heading", name=t("Register"))).to_be_visible()

    # A mistake first: the form comes back with the field's message and the typed values.
    page.get_by_label(t("Name")).fill("李娜")
    page.get_by_label(t("E-mail address")).fill(EMAIL)
    page.get_by_label(t("Password")).fill("short")
    page.get_by_label(t("Your role")).select_option("researcher")
    page.get_by_label(t("Organization name")).fill("宁波大学技术转移中心")
    page.get_by_label(t("Kind of organization")).select_option("university")
    page.get_by_role("button", name=t("Create the account")).click()
    expect(page.get_by_role("alert")).to_have_text(t("Please correct the marked fields."))
    expect(page.locator(".field.has-error")).to_have_count(1)
    expect(page.get_by_label(t("Name"))).to_have_value("李娜")
    expect(page.get_by_label(t("Password"))).to_have_value("")  # never sent back

    page.get_by_label(t("Password")).fill(PASSWORD)
    page.get_by_label(t("Region")).fill("宁波")
    page.get_by_role("button", name=t("Create the account")).click()
    # The account is active once the mailed link is opened (the answer is the same for a
    # taken address): the link leads to a page with one button.
    expect(flash(page)).to_have_text(
        t(
            "A mail has been sent to %(email)s: open the link in it to finish registering.",
            email=EMAIL,
        )
    )
    page.goto(link_path(app.config["MAIL_FILE_DIR"], EMAIL, "/register/confirm/"))
    page.get_by_role("button", name=t("Activate my account")).click()
    expect(flash(page)).to_have_text(t("Your account is ready. Welcome to TechMarket."))
    expect(page.get_by_role("heading", level=1)).to_have_text("宁波大学技术转移中心")
    expect(page.locator(".user-name")).to_have_text("李娜")

    page.get_by_role("button", name=t("Log out")).click()
    expect(flash(page)).to_have_text(t("You are logged out."))
    expect(page.get_by_role("link", name=t("Log in"), exact=True)).to_be_visible()

    # A wrong password is refused with a message; the right one logs in.
    page.get_by_role("link", name=t("Log in"), exact=True).click()
    page.get_by_label(t("E-mail address")).fill(EMAIL)
    page.get_by_label(t("Password")).fill(PASSWORD + "x")
    page.get_by_role("button", name=t("Log in")).click()
    expect(page.get_by_role("alert")).to_have_text(t("Wrong e-mail address or password."))
    page.get_by_label(t("Password")).fill(PASSWORD)
    page.get_by_role("button", name=t("Log in")).click()
    expect(flash(page)).to_have_text(t("Welcome, %(name)s.", name="李娜"))
    expect(page.get_by_role("link", name=t("My organization"))).to_be_visible()


def test_a_page_behind_the_login_comes_back_after_logging_in(browser_page, make):
    user = make.user("enterprise_member", email="buyer@example.cn", display_name="王强")
    page = browser_page("buyer")
    page.goto("/my/organization")
    expect(page).to_have_url(re.compile(r"/login\?next=(/|%2F)my(/|%2F)organization$"))
    expect(flash(page)).to_have_text(t("Please log in to continue."))
    page.get_by_label(t("E-mail address")).fill(user.email)
    page.get_by_label(t("Password")).fill(USER_PASSWORD)
    page.get_by_role("button", name=t("Log in")).click()
    expect(page).to_have_url(re.compile(r"/my/organization$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(user.organization.name)


def test_an_admin_invites_a_colleague_who_joins_by_the_mailed_link(browser_page, app, make):
    org = make.organization("university", name="宁波大学")
    admin = make.user("researcher", organization=org, email="admin@nbu.example.cn")
    page = browser_page("admin")
    log_in(page, admin.email)
    page.goto("/my/organization")
    invite = page.locator("#invitations form")
    invite.get_by_label(label(t("E-mail address"))).fill("colleague@nbu.example.cn")
    invite.get_by_role("button", name=t("Send the invitation")).click()
    expect(flash(page)).to_have_text(
        t("The invitation is sent to %(email)s.", email="colleague@nbu.example.cn")
    )

    colleague = browser_page("colleague")
    colleague.goto(
        link_path(app.config["MAIL_FILE_DIR"], "colleague@nbu.example.cn", "/invitations/")
    )
    expect(colleague.get_by_role("heading", level=1)).to_have_text(
        t("Join %(organization)s", organization="宁波大学")
    )
    colleague.get_by_label(label(t("Name"))).fill("陈晨")
    colleague.get_by_label(label(t("Password"))).fill(PASSWORD)
    colleague.get_by_label(label(t("Your role"))).select_option("researcher")
    colleague.get_by_role("button", name=t("Create the account and join")).click()
    expect(flash(colleague)).to_have_text(
        t("Welcome to %(organization)s.", organization="宁波大学")
    )
    expect(colleague.get_by_role("heading", level=1)).to_have_text("宁波大学")
    expect(colleague.locator("#members")).to_contain_text("admin@nbu.example.cn")

    # The admin sees the new member and makes them admin too.
    page.goto("/my/organization")
    row = page.locator("#members tr", has_text="colleague@nbu.example.cn")
    row.get_by_label(t("Role in the organization")).select_option("admin")
    row.get_by_role("button", name=t("Change")).click()
    expect(flash(page)).to_have_text(t("The role is changed."))
