"""Operators connect a supplier's Stripe account from the payouts page."""

from __future__ import annotations

from marketplace.extensions import db
from marketplace.models import Deal, Organization
from tests.deals.fixtures import deliver, parties, walk
from tests.views.conftest import text


def test_operator_connects_a_stripe_account_from_the_payouts_page(app, make):
    with app.app_context():
        p = parties(make)
        deal_id = walk(db.session, p, "funded")
        org_id = p.supplier.organization_id
    operator = app.test_client(user=p.operator)
    # A pending payout exists once a milestone is accepted; the page offers the form.
    buyer = app.test_client(user=p.buyer)
    with app.app_context():
        milestone_id = db.session.get(Deal, deal_id).milestones[0].id
        deliver(db.session, p, deal_id, milestone_id)
        db.session.commit()
    r = buyer.post(f"/deals/{deal_id}/milestones/{milestone_id}/accept")
    assert r.status_code in (302, 303)
    page = operator.get("/operator/payouts")
    assert f"/operator/organizations/{org_id}/payout-account" in page.text

    url = f"/operator/organizations/{org_id}/payout-account"
    r = operator.post(url, data={"stripe_account_id": "bad id"}, follow_redirects=True)
    assert "acct_1AbC" in text(r)
    r = operator.post(url, data={"stripe_account_id": "acct_1Lab"}, follow_redirects=True)
    assert r.status_code == 200
    with app.app_context():
        assert db.session.get(Organization, org_id).stripe_account_id == "acct_1Lab"
    # Members see how they are paid; they cannot change it.
    supplier = app.test_client(user=p.supplier)
    assert supplier.post(url, data={"stripe_account_id": "acct_1Mine"}).status_code == 403
    assert "Stripe" in text(supplier.get("/my/organization"))


def test_queue_pages_keep_element_ids_unique(app, make):
    """Each queue item repeats the same form; its fields must still have unique ids
    (a label's `for` points at one element)."""
    import re
    from collections import Counter

    from marketplace.deals import escrow as deal_money

    with app.app_context():
        p = parties(make)
        deals = [walk(db.session, p, "funded") for _ in range(2)]
        for _ in range(2):
            walk(db.session, p, "agreed")
        for did in deals:
            milestone_id = db.session.get(Deal, did).milestones[0].id
            deliver(db.session, p, did, milestone_id)
            db.session.commit()
            app.test_client(user=p.buyer).post(f"/deals/{did}/milestones/{milestone_id}/accept")
        for did in db.session.query(Deal.id).filter(Deal.state == "agreed"):
            deal_money.request_funding(
                db.session, db.session.get(type(p.buyer), p.buyer.id), did[0]
            )
        db.session.commit()
    operator = app.test_client(user=p.operator)
    for url in ("/operator/payouts", "/operator/funding"):
        page = operator.get(url).text
        ids = Counter(re.findall(r'\sid="([^"]+)"', page))
        assert [i for i, n in ids.items() if n > 1] == [], url
        assert page.count('name="reference"') >= 2, url
