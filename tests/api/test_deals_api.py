"""The deals API end to end with the offline provider, plus who may see and do what."""

from __future__ import annotations

import io
import re

import pytest

from marketplace.core import ledger
from marketplace.extensions import db
from tests.deals.fixtures import balances

URL = "/api/v1/deals"


@pytest.fixture
def cast(app, make):
    supplier = make.user("researcher")
    listing = make.listing(supplier, status="published")
    people = {
        "buyer": make.user("enterprise_member"),
        "supplier": supplier,
        "operator": make.operator(),
        "stranger": make.user("enterprise_member"),
        "researcher": make.user("researcher"),
    }
    clients = {k: app.test_client(user=u) for k, u in people.items()}
    clients["anonymous"] = app.test_client()
    clients["listing_id"] = listing.id
    clients["users"] = people
    return clients


def terms(amounts=(600_000, 400_000)):
    return {
        "price": sum(amounts),
        "currency": "CNY",
        "transfer_mode": "license_exclusive",
        "milestones": [
            {"title": f"阶段 {n}", "amount": a, "due_date": "2027-03-01"}
            for n, a in enumerate(amounts, start=1)
        ],
    }


def ok(response, status=200):
    assert response.status_code == status, response.json
    return response.json


def agreed_deal(c, amounts=(600_000, 400_000)):
    deal = ok(
        c["buyer"].post(
            URL, json={"listing_id": c["listing_id"], "message": "请问可以独家许可吗？"}
        ),
        201,
    )
    did = deal["id"]
    offer = ok(c["supplier"].post(f"{URL}/{did}/terms", json=terms(amounts)), 201)
    for side in ("buyer", "supplier"):
        ok(
            c[side].post(
                f"{URL}/{did}/terms/confirm", json={"terms_hash": offer["current_terms_hash"]}
            )
        )
    return did


def funded_deal(c, amounts=(600_000, 400_000)):
    did = agreed_deal(c, amounts)
    funding = ok(c["buyer"].post(f"{URL}/{did}/funding"), 201)
    ok(
        c["operator"].post(
            f"{URL}/{did}/funding/confirm",
            json={"reference": funding["reference"], "amount": sum(amounts)},
        )
    )
    return did


def deliver(c, did: int, milestone_id: int) -> dict:
    """The supplier delivers a milestone (the buyer accepts only what was delivered)."""
    return ok(
        c["supplier"].post(
            f"{URL}/{did}/milestones/{milestone_id}/deliver", json={"note": "交付物见附件"}
        )
    )


def test_the_whole_offline_flow(app, cast):
    c = cast
    users = c["users"]
    # Inquiry on a published listing, with a first message.
    deal = ok(
        c["buyer"].post(
            URL, json={"listing_id": c["listing_id"], "message": "请问可以独家许可吗？"}
        ),
        201,
    )
    did = deal["id"]
    assert deal["state"] == "inquiry" and deal["my_roles"] == ["buyer"]
    assert deal["supplier"]["id"] == users["supplier"].organization_id
    ok(c["supplier"].post(f"{URL}/{did}/messages", json={"body": "可以，价格面议。"}), 201)
    thread = ok(c["buyer"].get(f"{URL}/{did}/messages"))
    assert [(m["role"], m["body"]) for m in thread] == [
        ("buyer", "请问可以独家许可吗？"),
        ("supplier", "可以，价格面议。"),
    ]

    # Offer, counter-offer, agreement on the counter-offer.
    offer = ok(c["supplier"].post(f"{URL}/{did}/terms", json=terms((700_000, 500_000))), 201)
    assert offer["state"] == "negotiating"
    first_hash = offer["current_terms_hash"]
    ok(c["supplier"].post(f"{URL}/{did}/terms/confirm", json={"terms_hash": first_hash}))
    counter = ok(c["buyer"].post(f"{URL}/{did}/terms", json=terms()), 201)
    second_hash = counter["current_terms_hash"]
    assert (
        second_hash != first_hash and counter["terms"][0]["confirmations"][0]["role"] == "supplier"
    )
    assert counter["terms"][1]["confirmations"] == []
    stale = c["supplier"].post(f"{URL}/{did}/terms/confirm", json={"terms_hash": first_hash})
    assert stale.status_code == 409 and "not the current terms" in stale.json["error"]["message"]
    ok(c["supplier"].post(f"{URL}/{did}/terms/confirm", json={"terms_hash": second_hash}))
    deal = ok(c["buyer"].post(f"{URL}/{did}/terms/confirm", json={"terms_hash": second_hash}))
    assert deal["state"] == "agreed" and deal["agreed_terms_id"] == deal["terms"][1]["id"]
    assert deal["terms"][1]["platform_fee_bp"] == 300 and deal["terms"][1]["commission_bp"] == 0
    assert [m["amount"] for m in deal["milestones"]] == [600_000, 400_000]

    # Offline funding: instructions with a unique reference, confirmed by an operator.
    funding = ok(c["buyer"].post(f"{URL}/{did}/funding"), 201)
    assert funding["provider"] == "offline" and funding["amount"] == 1_000_000
    assert re.fullmatch(rf"TM-{did}-[2-9A-Z]{{8}}", funding["reference"])
    assert funding["reference"] in funding["instructions"]
    assert ok(c["buyer"].post(f"{URL}/{did}/funding"), 201)["reference"] == funding["reference"]
    wrong = c["operator"].post(
        f"{URL}/{did}/funding/confirm", json={"reference": funding["reference"], "amount": 999_999}
    )
    assert wrong.status_code == 422 and "amount" in wrong.json["error"]["fields"]
    body = {"reference": funding["reference"], "amount": 1_000_000}
    deal = ok(c["operator"].post(f"{URL}/{did}/funding/confirm", json=body))
    assert deal["state"] == "funded"
    assert (
        ok(c["operator"].post(f"{URL}/{did}/funding/confirm", json=body))["statement"]["funded"]
        == 1_000_000
    )

    # Two milestones accepted → completed.
    first, second = (m["id"] for m in deal["milestones"])
    deliver(c, did, first)
    deal = ok(c["buyer"].post(f"{URL}/{did}/milestones/{first}/accept"))
    assert deal["state"] == "in_progress"
    deliver(c, did, second)
    deal = ok(c["buyer"].post(f"{URL}/{did}/milestones/{second}/accept"))
    assert deal["state"] == "completed"
    s = deal["statement"]
    assert (s["funded"], s["held"], s["released"], s["refunded"]) == (1_000_000, 0, 1_000_000, 0)
    assert (s["fees"], s["supplier_share"], s["payouts_pending"]) == (30_000, 970_000, 970_000)
    assert [(m["released"], m["fee"]) for m in s["milestones"]] == [
        (600_000, 18_000),
        (400_000, 12_000),
    ]

    # Operators pay the supplier out.
    payouts = ok(c["operator"].get(f"{URL}/payouts"))
    assert sorted(p["amount"] for p in payouts) == [388_000, 582_000]
    assert {p["beneficiary"]["id"] for p in payouts} == {users["supplier"].organization_id}
    for n, p in enumerate(payouts):
        done = ok(
            c["operator"].post(f"{URL}/payouts/{p['id']}/execute", json={"reference": f"CMB-{n}"})
        )
        assert done["status"] == "executed"
    assert ok(c["operator"].get(f"{URL}/payouts")) == []

    org = users["supplier"].organization_id
    with app.app_context():
        assert balances(db.session, did) == {
            f"deal:{did}:funding": -1_000_000,
            f"deal:{did}:escrow": 0,
            f"org:{org}:payable": 0,
            "platform:revenue": 30_000,
            "external:payouts": 970_000,
        }
        assert ledger.check(db.session) == []

    # The timeline tells the story; the IP is shown to operators only.
    deal = ok(c["supplier"].get(f"{URL}/{did}"))
    steps = [(e["action"], e["from_state"], e["to_state"]) for e in deal["timeline"]]
    assert steps[:2] == [("open", None, "inquiry"), ("propose_terms", "inquiry", "negotiating")]
    assert ("agree", "negotiating", "agreed") in steps
    assert ("confirm_funding", "agreed", "funded") in steps
    assert steps.count(("payout_executed", "completed", "completed")) == 2
    assert steps[-3] == ("complete", "in_progress", "completed")
    assert {e["ip"] for e in deal["timeline"]} == {None}
    assert {e["ip"] for e in ok(c["operator"].get(f"{URL}/{did}"))["timeline"]} == {"127.0.0.1"}
    mine = ok(c["buyer"].get(URL, query_string={"role": "buyer", "state": "completed"}))
    assert [d["id"] for d in mine["items"]] == [did]
    assert ok(c["supplier"].get(URL, query_string={"role": "buyer"}))["items"] == []
    assert ok(c["stranger"].get(URL))["items"] == []


def test_dispute_with_a_split(app, cast):
    c = cast
    did = funded_deal(c)
    first, second = (m["id"] for m in ok(c["buyer"].get(f"{URL}/{did}"))["milestones"])
    r = c["buyer"].post(f"{URL}/{did}/milestones/{first}/dispute", json={"reason": ""})
    assert r.status_code == 422 and "reason" in r.json["error"]["fields"]
    deal = ok(
        c["buyer"].post(
            f"{URL}/{did}/milestones/{first}/dispute", json={"reason": "性能指标未达到合同约定"}
        )
    )
    assert deal["state"] == "disputed" and deal["milestones"][0]["state"] == "disputed"
    assert c["buyer"].post(f"{URL}/{did}/milestones/{second}/accept").status_code == 409
    r = c["operator"].post(f"{URL}/{did}/milestones/{first}/resolve", json={"outcome": "split"})
    assert r.status_code == 422 and "release_amount" in r.json["error"]["fields"]
    deal = ok(
        c["operator"].post(
            f"{URL}/{did}/milestones/{first}/resolve",
            json={"outcome": "split", "release_amount": 250_000, "note": "部分达标"},
        )
    )
    assert deal["state"] == "resolved"
    m = deal["milestones"][0]
    assert (m["state"], m["resolution"], m["released_amount"], m["refunded_amount"]) == (
        "resolved",
        "split",
        250_000,
        350_000,
    )
    deliver(c, did, second)
    deal = ok(c["buyer"].post(f"{URL}/{did}/milestones/{second}/accept"))
    assert deal["state"] == "completed"
    s = deal["statement"]
    assert (s["funded"], s["released"], s["refunded"], s["held"]) == (
        1_000_000,
        650_000,
        350_000,
        0,
    )
    assert s["fees"] == 7_500 + 12_000
    org = c["users"]["supplier"].organization_id
    with app.app_context():
        assert balances(db.session, did) == {
            f"deal:{did}:funding": -1_000_000,
            f"deal:{did}:escrow": 0,
            f"deal:{did}:refunds": 350_000,
            f"org:{org}:payable": 650_000 - 19_500,
            "platform:revenue": 19_500,
        }
        assert ledger.check(db.session) == []
    refunds = [p for p in ok(c["operator"].get(f"{URL}/payouts")) if p["kind"] == "refund"]
    assert [(p["amount"], p["beneficiary"]["id"]) for p in refunds] == [
        (350_000, c["users"]["buyer"].organization_id)
    ]


def test_cancellation_after_funding_refunds_the_escrow(app, cast):
    c = cast
    did = funded_deal(c)
    r = c["buyer"].post(f"{URL}/{did}/cancel", json={"reason": "预算取消"})
    assert r.status_code == 403 and "propose cancellation" in r.json["error"]["message"]
    assert c["buyer"].post(f"{URL}/{did}/cancellation", json={"reason": ""}).status_code == 422
    deal = ok(c["buyer"].post(f"{URL}/{did}/cancellation", json={"reason": "预算取消"}))
    assert deal["state"] == "funded" and deal["cancellation"]["proposed_by_role"] == "buyer"
    assert "withdraw_cancellation" in deal["actions"]
    assert c["buyer"].post(f"{URL}/{did}/cancellation/accept").status_code == 403
    assert c["supplier"].post(f"{URL}/{did}/cancellation", json={"reason": "x"}).status_code == 409
    deal = ok(c["supplier"].get(f"{URL}/{did}"))
    assert {"accept_cancellation", "decline_cancellation"} <= set(deal["actions"])
    deal = ok(c["supplier"].post(f"{URL}/{did}/cancellation/accept"))
    assert deal["state"] == "cancelled" and deal["cancellation"] is None
    assert [p["status"] for p in deal["cancellation_proposals"]] == ["accepted"]
    assert {m["state"] for m in deal["milestones"]} == {"cancelled"}
    s = deal["statement"]
    assert (s["funded"], s["refunded"], s["held"], s["released"]) == (1_000_000, 1_000_000, 0, 0)
    (refund,) = ok(c["operator"].get(f"{URL}/payouts"))
    ok(c["operator"].post(f"{URL}/payouts/{refund['id']}/execute", json={"reference": "REF-1"}))
    with app.app_context():
        assert balances(db.session, did) == {
            f"deal:{did}:funding": -1_000_000,
            f"deal:{did}:escrow": 0,
            f"deal:{did}:refunds": 0,
            "external:payouts": 1_000_000,
        }
        assert ledger.check(db.session) == []
    assert c["buyer"].post(f"{URL}/{did}/cancellation", json={"reason": "x"}).status_code == 409


def test_cancellation_before_funding_by_either_party(cast):
    c = cast
    did = agreed_deal(c)
    deal = ok(c["supplier"].post(f"{URL}/{did}/cancel"))
    assert deal["state"] == "cancelled" and deal["statement"]["funded"] == 0


def test_opening_rules(cast, make):
    c = cast
    own = c["supplier"].post(URL, json={"listing_id": c["listing_id"]})
    assert own.status_code == 403
    assert c["researcher"].post(URL, json={"listing_id": c["listing_id"]}).status_code == 403
    assert c["anonymous"].post(URL, json={"listing_id": c["listing_id"]}).status_code == 401
    assert c["buyer"].post(URL, json={"listing_id": 10**6}).status_code == 404
    r = c["buyer"].post(URL, json={"listing_id": c["listing_id"], "price": 5})
    assert r.status_code == 422 and "price" in r.json["error"]["fields"]
    demand = make.demand(c["users"]["buyer"], status="published")
    deal = ok(c["researcher"].post(URL, json={"demand_id": demand.id}), 201)
    assert (
        deal["my_roles"] == ["supplier"]
        and deal["buyer"]["id"] == c["users"]["buyer"].organization_id
    )


def test_terms_validation_is_a_422_with_field_messages(cast):
    c = cast
    did = ok(c["buyer"].post(URL, json={"listing_id": c["listing_id"]}), 201)["id"]
    bad_sum = terms() | {"price": 1_000_001}
    r = c["buyer"].post(f"{URL}/{did}/terms", json=bad_sum)
    assert r.status_code == 422 and "sum to 1000000" in str(r.json["error"]["fields"]["milestones"])
    r = c["buyer"].post(f"{URL}/{did}/terms", json=terms() | {"price": 12.5})
    assert r.status_code == 422 and "price" in r.json["error"]["fields"]
    r = c["buyer"].post(f"{URL}/{did}/terms", json=terms() | {"transfer_mode": "sale"})
    assert r.status_code == 422 and "transfer_mode" in r.json["error"]["fields"]
    r = c["buyer"].post(f"{URL}/{did}/terms", json=terms() | {"platform_fee_bp": 0})
    assert r.status_code == 422 and "platform_fee_bp" in r.json["error"]["fields"]


def deal_endpoints(did: int, mid: int, aid: int = 1) -> list[tuple[str, str, dict | None]]:
    return [
        ("GET", f"{URL}/{did}/attachments", None),
        ("POST", f"{URL}/{did}/attachments", FILE_UPLOAD),
        ("GET", f"{URL}/{did}/attachments/{aid}", None),
        ("GET", f"{URL}/{did}", None),
        ("GET", f"{URL}/{did}/messages", None),
        ("POST", f"{URL}/{did}/messages", {"body": "hi"}),
        ("POST", f"{URL}/{did}/terms", terms()),
        ("POST", f"{URL}/{did}/terms/confirm", {"terms_hash": "0" * 64}),
        ("POST", f"{URL}/{did}/funding", None),
        ("POST", f"{URL}/{did}/funding/confirm", {"reference": "TM-x", "amount": 1}),
        ("POST", f"{URL}/{did}/start", None),
        ("POST", f"{URL}/{did}/milestones/{mid}/deliver", {"note": "x"}),
        ("POST", f"{URL}/{did}/milestones/{mid}/accept", None),
        ("POST", f"{URL}/{did}/milestones/{mid}/reject", {"reason": "x"}),
        ("POST", f"{URL}/{did}/milestones/{mid}/dispute", {"reason": "x"}),
        ("POST", f"{URL}/{did}/milestones/{mid}/resolve", {"outcome": "refund"}),
        ("POST", f"{URL}/{did}/cancel", {"reason": "x"}),
        ("POST", f"{URL}/{did}/cancellation", {"reason": "x"}),
        ("POST", f"{URL}/{did}/cancellation/accept", None),
        ("POST", f"{URL}/{did}/cancellation/decline", None),
        ("POST", f"{URL}/{did}/cancellation/withdraw", None),
        # Brokers on the deal (api/broker_deals.py).
        ("GET", f"{URL}/{did}/brokers", None),
        ("POST", f"{URL}/{did}/brokers", {"broker_id": 1}),
        ("POST", f"{URL}/{did}/brokers/release", None),
        ("GET", f"{URL}/{did}/brokerage-records", None),
        (
            "POST",
            f"{URL}/{did}/brokerage-records",
            {"kind": "call", "occurred_at": "2026-01-01T08:00:00Z", "notes": "x"},
        ),
        ("POST", f"{URL}/{did}/broker-rating", {"score": 5}),
        # The paper of the agreed terms (api/deal_paper.py).
        ("GET", f"{URL}/{did}/contract.pdf", None),
        ("GET", f"{URL}/{did}/registration.pdf", None),
        ("GET", f"{URL}/{did}/registration.xlsx", None),
    ]


FILE_UPLOAD = {"__multipart__": True}


def send(client, method, path, body):
    if body is FILE_UPLOAD:
        pdf = (io.BytesIO(b"%PDF-1.4\n%test\n"), "spec.pdf")
        return client.open(
            path, method=method, data={"file": pdf}, content_type="multipart/form-data"
        )
    return client.open(path, method=method, json=body)


def test_every_deal_endpoint_is_404_for_anyone_but_parties_and_operators(app, cast):
    c = cast
    did = funded_deal(c)
    mid = ok(c["buyer"].get(f"{URL}/{did}"))["milestones"][0]["id"]
    aid = ok(send(c["buyer"], "POST", f"{URL}/{did}/attachments", FILE_UPLOAD), 201)["id"]
    documented = {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(f"{URL}/<int:deal_id>")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    endpoints = deal_endpoints(did, mid, aid)
    covered = {
        (
            re.sub(
                r"/(milestones/|attachments/)?\d+",
                lambda m: {
                    None: "/<int:deal_id>",
                    "milestones/": "/milestones/<int:milestone_id>",
                    "attachments/": "/attachments/<int:attachment_id>",
                }[m.group(1)],
                path,
            ).replace("registration.pdf", "registration.<any(pdf, xlsx):fmt>"),
            method,
        )
        for method, path, _ in endpoints
        if not path.endswith("registration.xlsx")  # the same rule as registration.pdf
    }
    assert covered == documented  # a new deal endpoint must be added here
    for who in ("stranger", "researcher"):
        for method, path, body in endpoints:
            r = send(c[who], method, path, body)
            assert r.status_code == 404, (who, method, path, r.json)
    for method, path, body in endpoints:
        assert send(c["anonymous"], method, path, body).status_code == 401, path
    with app.app_context():
        assert ledger.check(db.session) == []


@pytest.mark.parametrize(
    "who,method,path,body",
    [
        ("supplier", "POST", "milestones/{mid}/accept", None),
        ("supplier", "POST", "milestones/{mid}/reject", {"reason": "x"}),
        ("buyer", "POST", "milestones/{mid}/deliver", {"note": "x"}),
        ("supplier", "POST", "milestones/{mid}/dispute", {"reason": "x"}),
        ("buyer", "POST", "milestones/{mid}/resolve", {"outcome": "refund"}),
        ("buyer", "POST", "funding/confirm", {"reference": "TM-x", "amount": 1_000_000}),
        ("supplier", "POST", "funding/confirm", {"reference": "TM-x", "amount": 1_000_000}),
        ("buyer", "POST", "start", None),
        ("buyer", "POST", "cancel", {"reason": "x"}),
        ("supplier", "POST", "cancel", {"reason": "x"}),
        ("operator", "POST", "milestones/{mid}/accept", None),
        ("operator", "POST", "milestones/{mid}/deliver", {"note": "x"}),
        ("operator", "POST", "cancellation", {"reason": "x"}),
    ],
)
def test_the_wrong_party_is_forbidden(cast, who, method, path, body):
    c = cast
    did = funded_deal(c)
    mid = ok(c["buyer"].get(f"{URL}/{did}"))["milestones"][0]["id"]
    r = c[who].open(f"{URL}/{did}/{path.format(mid=mid)}", method=method, json=body)
    assert r.status_code == 403, r.json
    assert r.json["error"]["code"] == "forbidden"


def test_refused_transitions_are_409_with_a_reason(cast):
    c = cast
    did = ok(c["buyer"].post(URL, json={"listing_id": c["listing_id"]}), 201)["id"]
    r = c["buyer"].post(f"{URL}/{did}/funding")
    assert r.status_code == 409
    assert "once both parties agreed the terms" in r.json["error"]["message"]
    r = c["buyer"].post(f"{URL}/{did}/terms/confirm", json={"terms_hash": "0" * 64})
    assert r.status_code == 409


def test_payouts_are_for_operators(cast):
    c = cast
    for who in ("buyer", "supplier", "stranger"):
        assert c[who].get(f"{URL}/payouts").status_code == 403
        r = c[who].post(f"{URL}/payouts/1/execute", json={"reference": "x"})
        assert r.status_code == 403
    assert (
        c["operator"].post(f"{URL}/payouts/999/execute", json={"reference": "x"}).status_code == 404
    )


def ledger_entries(app) -> int:
    from sqlalchemy import func, select

    from marketplace.models import LedgerEntry

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(LedgerEntry))


def test_a_payment_provider_that_does_not_answer_is_a_503_that_changes_nothing(
    app, cast, monkeypatch
):
    from payments import ProviderUnavailable
    from payments.offline import OfflineProvider

    c = cast
    did = funded_deal(c)
    first = ok(c["buyer"].get(f"{URL}/{did}"))["milestones"][0]["id"]
    deliver(c, did, first)
    before = ok(c["buyer"].get(f"{URL}/{did}"))
    entries = ledger_entries(app)

    def unavailable(self, *args, **kwargs):
        raise ProviderUnavailable("Stripe did not answer (APIConnectionError); try again.")

    monkeypatch.setattr(OfflineProvider, "release", unavailable)
    r = c["buyer"].post(f"{URL}/{did}/milestones/{first}/accept")
    assert r.status_code == 503 and r.json["error"]["code"] == "provider_unavailable"
    page = c["buyer"].post(f"/deals/{did}/milestones/{first}/accept")
    assert page.status_code == 503 and "try again" in page.get_data(as_text=True)
    after = ok(c["buyer"].get(f"{URL}/{did}"))
    assert after["state"] == before["state"] == "in_progress"
    assert after["statement"] == before["statement"]
    assert [m["state"] for m in after["milestones"]] == [m["state"] for m in before["milestones"]]
    assert [e["action"] for e in after["timeline"]] == [e["action"] for e in before["timeline"]]
    assert ledger_entries(app) == entries

    monkeypatch.undo()  # the provider answers again: the same acceptance goes through
    assert ok(c["buyer"].post(f"{URL}/{did}/milestones/{first}/accept"))["state"] == "in_progress"


def test_delivery_rejection_and_redelivery(app, cast):
    c = cast
    did = funded_deal(c)
    first = ok(c["buyer"].get(f"{URL}/{did}"))["milestones"][0]["id"]
    # Nothing delivered: the buyer cannot accept.
    r = c["buyer"].post(f"{URL}/{did}/milestones/{first}/accept")
    assert r.status_code == 409 and "once delivered" in r.json["error"]["message"]
    r = c["supplier"].post(f"{URL}/{did}/milestones/{first}/deliver", json={"note": ""})
    assert r.status_code == 422 and "note" in r.json["error"]["fields"]
    upload = {"file": (io.BytesIO(b"%PDF-1.4\n%test\n"), "report.pdf")}
    attachment = ok(
        c["supplier"].post(
            f"{URL}/{did}/attachments", data=upload, content_type="multipart/form-data"
        ),
        201,
    )
    r = c["supplier"].post(
        f"{URL}/{did}/milestones/{first}/deliver",
        json={"note": "见报告", "attachment_ids": [999999]},
    )
    assert r.status_code == 422 and "attachment_ids" in r.json["error"]["fields"]
    deal = ok(
        c["supplier"].post(
            f"{URL}/{did}/milestones/{first}/deliver",
            json={"note": "见报告", "attachment_ids": [attachment["id"]]},
        )
    )
    m = deal["milestones"][0]
    assert (m["state"], m["delivery_note"], m["delivery_files"][0]["filename"]) == (
        "delivered",
        "见报告",
        "report.pdf",
    )
    assert deal["state"] == "in_progress" and m["acceptance_due_at"]
    r = c["buyer"].post(f"{URL}/{did}/milestones/{first}/reject", json={"reason": ""})
    assert r.status_code == 422
    deal = ok(
        c["buyer"].post(f"{URL}/{did}/milestones/{first}/reject", json={"reason": "缺测试数据"})
    )
    m = deal["milestones"][0]
    assert (m["state"], m["rejection_reason"], m["acceptance_due_at"]) == (
        "pending",
        "缺测试数据",
        None,
    )
    deliver(c, did, first)
    deal = ok(c["buyer"].post(f"{URL}/{did}/milestones/{first}/accept"))
    assert deal["milestones"][0]["state"] == "accepted"
    actions = [e["action"] for e in deal["timeline"]]
    assert {"deliver_milestone", "reject_milestone", "accept_milestone"} <= set(actions)
