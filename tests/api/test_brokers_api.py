"""The brokers API end to end: profile → verification → directory → invitation → terms with
commission → records → completion → rating → performance, earnings and ranking exports."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from marketplace.core import ledger
from marketplace.extensions import db
from tests.api.test_deals_api import URL, ok, terms

BROKERS = "/api/v1/brokers"


@pytest.fixture
def cast(app, make):
    supplier = make.user("researcher")
    listing = make.listing(supplier, status="published")
    people = {
        "buyer": make.user("enterprise_member"),
        "supplier": supplier,
        "operator": make.operator(),
        "broker": make.user("broker", display_name="王经纪"),
        "other_broker": make.user("broker"),
        "stranger": make.user("enterprise_member"),
    }
    clients = {k: app.test_client(user=u) for k, u in people.items()}
    clients["anonymous"] = app.test_client()
    clients["listing_id"] = listing.id
    clients["users"] = people
    return clients


PROFILE = {
    "certificate_number": "JJR-330200-0042",
    "display_name": "王经纪",
    "domains": ["new_energy"],
    "regions": ["宁波", "杭州"],
    "languages": ["zh", "en"],
    "bio": "专注新能源材料的技术转移。",
}


def verified(c, who="broker", **overrides):
    profile = ok(c[who].put(f"{BROKERS}/me", json=PROFILE | overrides))
    assert profile["status"] == "pending"
    ok(
        c["operator"].post(
            f"{BROKERS}/profiles/{profile['id']}/review", json={"decision": "verify"}
        )
    )
    return c["users"][who].id


def test_profile_validation_and_review(cast):
    c = cast
    r = c["buyer"].put(f"{BROKERS}/me", json=PROFILE)
    assert r.status_code == 403
    r = c["broker"].put(f"{BROKERS}/me", json=PROFILE | {"domains": ["magic"], "regions": []})
    assert r.status_code == 422
    assert {"domains", "regions"} <= set(r.json["error"]["fields"])
    r = c["broker"].put(f"{BROKERS}/me", json=PROFILE | {"unknown": 1})
    assert r.status_code == 422
    profile = ok(c["broker"].put(f"{BROKERS}/me", json=PROFILE))
    assert c["anonymous"].get(f"{BROKERS}/{profile['broker_id']}").status_code == 404
    assert (
        c["broker"]
        .post(f"{BROKERS}/profiles/{profile['id']}/review", json={"decision": "verify"})
        .status_code
        == 403
    )
    r = c["operator"].post(
        f"{BROKERS}/profiles/{profile['id']}/review", json={"decision": "reject"}
    )
    assert r.status_code == 422 and "reason" in r.json["error"]["fields"]
    assert [p["id"] for p in ok(c["operator"].get(f"{BROKERS}/reviews"))] == [profile["id"]]
    ok(
        c["operator"].post(
            f"{BROKERS}/profiles/{profile['id']}/review",
            json={"decision": "reject", "reason": "请上传证书编号页"},
        )
    )
    mine = ok(c["broker"].get(f"{BROKERS}/me"))
    assert (mine["status"], mine["rejection_reason"]) == ("rejected", "请上传证书编号页")
    ok(c["broker"].put(f"{BROKERS}/me", json=PROFILE))
    ok(
        c["operator"].post(
            f"{BROKERS}/profiles/{profile['id']}/review", json={"decision": "verify"}
        )
    )
    public = ok(c["anonymous"].get(f"{BROKERS}/{profile['broker_id']}"))
    assert public["status"] == "verified" and public["performance"]["mediated"] == 0
    page = ok(c["anonymous"].get(f"{BROKERS}?domain=new_energy&region=杭州&q=王"))
    assert [p["broker_id"] for p in page["items"]] == [profile["broker_id"]]
    assert ok(c["anonymous"].get(f"{BROKERS}?domain=ai"))["items"] == []
    assert c["anonymous"].get(f"{BROKERS}?domain=nonsense").status_code == 422


def test_a_whole_mediated_deal(cast, app):
    c = cast
    broker_id = verified(c)
    did = ok(c["buyer"].post(URL, json={"listing_id": c["listing_id"]}), 201)["id"]
    # Only parties invite; an unknown broker is a 404, the wrong caller a 404/403.
    assert (
        c["stranger"].post(f"{URL}/{did}/brokers", json={"broker_id": broker_id}).status_code == 404
    )
    assert c["buyer"].post(f"{URL}/{did}/brokers", json={"broker_id": 99_999}).status_code == 404
    invitation = ok(
        c["buyer"].post(
            f"{URL}/{did}/brokers", json={"broker_id": broker_id, "message": "请协助谈判"}
        ),
        201,
    )
    assert c["broker"].get(f"{URL}/{did}").status_code == 404  # not before accepting
    assert [i["id"] for i in ok(c["broker"].get("/api/v1/broker-invitations"))] == [
        invitation["id"]
    ]
    assert (
        c["other_broker"].post(f"/api/v1/broker-invitations/{invitation['id']}/accept").status_code
        == 404
    )
    ok(c["broker"].post(f"/api/v1/broker-invitations/{invitation['id']}/accept"))
    deal = ok(c["broker"].get(f"{URL}/{did}"))
    assert deal["my_roles"] == ["broker"] and deal["broker_id"] == broker_id
    # A second broker cannot be invited while one mediates.
    other = verified(c, "other_broker", certificate_number="JJR-2")
    r = c["supplier"].post(f"{URL}/{did}/brokers", json={"broker_id": other})
    assert r.status_code == 409
    # The broker proposes terms with a commission; the parties confirm.
    offer = ok(
        c["broker"].post(
            f"{URL}/{did}/terms",
            json=terms() | {"commission_bp": 450, "broker_may_arbitrate": True},
        ),
        201,
    )
    assert offer["terms"][-1]["broker_id"] == broker_id
    assert offer["terms"][-1]["proposed_by_role"] == "broker"
    assert (
        c["broker"]
        .post(f"{URL}/{did}/terms/confirm", json={"terms_hash": offer["current_terms_hash"]})
        .status_code
        == 403
    )
    for side in ("buyer", "supplier"):
        ok(
            c[side].post(
                f"{URL}/{did}/terms/confirm", json={"terms_hash": offer["current_terms_hash"]}
            )
        )
    # Records: a shared one appears in the timeline, a private one is hidden from parties.
    rec = {
        "kind": "site_visit",
        "occurred_at": "2026-11-20T09:00:00+08:00",
        "participants": ["张工"],
        "notes": "现场考察中试线",
    }
    shared = ok(c["broker"].post(f"{URL}/{did}/brokerage-records", json=rec), 201)
    private = ok(
        c["broker"].post(
            f"{URL}/{did}/brokerage-records",
            json=rec | {"visibility": "private", "notes": "买方预算上限"},
        ),
        201,
    )
    r = c["broker"].post(
        f"{URL}/{did}/brokerage-records", json=rec | {"kind": "lunch", "notes": ""}
    )
    assert r.status_code == 422 and {"kind", "notes"} <= set(r.json["error"]["fields"])
    assert c["buyer"].post(f"{URL}/{did}/brokerage-records", json=rec).status_code == 403
    assert [x["id"] for x in ok(c["buyer"].get(f"{URL}/{did}/brokerage-records"))] == [shared["id"]]
    assert c["supplier"].get(f"/api/v1/brokerage-records/{private['id']}").status_code == 404
    assert len(ok(c["operator"].get(f"{URL}/{did}/brokerage-records"))) == 2
    edited = ok(
        c["broker"].put(
            f"/api/v1/brokerage-records/{shared['id']}",
            json=rec | {"notes": "现场考察中试线，良率 92%"},
        )
    )
    assert edited["revision"] == 2 and edited["versions"][0]["notes"] == "现场考察中试线"
    upload = ok(
        c["broker"].post(
            f"/api/v1/brokerage-records/{shared['id']}/attachments",
            data={"file": (io.BytesIO("考察纪要".encode()), "纪要.txt")},
            content_type="multipart/form-data",
        ),
        201,
    )
    r = c["buyer"].get(f"/api/v1/brokerage-records/{shared['id']}/attachments/{upload['id']}")
    assert r.status_code == 200 and r.data == "考察纪要".encode()
    timeline = ok(c["buyer"].get(f"{URL}/{did}"))["timeline"]
    assert [e["detail"]["record_id"] for e in timeline if e["action"] == "brokerage_record"] == [
        shared["id"]
    ]
    # A private entry made shared: its private past stays with the broker and operators.
    ok(c["broker"].put(f"/api/v1/brokerage-records/{private['id']}", json=rec))
    for insider in ("broker", "operator"):
        past = ok(c[insider].get(f"/api/v1/brokerage-records/{private['id']}"))["versions"]
        assert [v["notes"] for v in past] == ["买方预算上限"]
    for party in ("buyer", "supplier"):
        now_shared = ok(c[party].get(f"/api/v1/brokerage-records/{private['id']}"))
        assert now_shared["notes"] == rec["notes"] and now_shared["versions"] == []
        listed = ok(c[party].get(f"{URL}/{did}/brokerage-records"))
        assert all(v["visibility"] == "shared" for x in listed for v in x["versions"])
        page = c[party].get(f"/brokerage-records/{private['id']}")
        assert page.status_code == 200 and "买方预算上限" not in page.get_data(as_text=True)
    assert "买方预算上限" in c["broker"].get(f"/brokerage-records/{private['id']}").get_data(
        as_text=True
    )
    # Fund and accept both milestones: commission goes to the broker's account.
    funding = ok(c["buyer"].post(f"{URL}/{did}/funding"), 201)
    ok(
        c["operator"].post(
            f"{URL}/{did}/funding/confirm",
            json={"reference": funding["reference"], "amount": 1_000_000},
        )
    )
    for m in ok(c["buyer"].get(f"{URL}/{did}"))["milestones"]:
        ok(c["supplier"].post(f"{URL}/{did}/milestones/{m['id']}/deliver", json={"note": "交付"}))
        ok(c["buyer"].post(f"{URL}/{did}/milestones/{m['id']}/accept"))
    deal = ok(c["buyer"].get(f"{URL}/{did}"))
    assert deal["state"] == "completed" and deal["statement"]["commission"] == 45_000
    earnings = ok(c["broker"].get(f"{BROKERS}/me/earnings"))
    assert earnings["currencies"][0]["closing"] == 45_000
    csv = c["broker"].get(f"{BROKERS}/me/earnings?format=csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert csv.data.decode("utf-8-sig").splitlines()[0].startswith("date,currency,deal_id")
    assert c["buyer"].get(f"{BROKERS}/{broker_id}/earnings").status_code == 404
    assert (
        c["broker"].get(f"{BROKERS}/me/earnings?start=2026-02-01&end=2026-01-01").status_code == 422
    )
    # Ratings: parties once each; the broker and strangers not at all.
    assert c["broker"].post(f"{URL}/{did}/broker-rating", json={"score": 5}).status_code == 403
    assert c["buyer"].post(f"{URL}/{did}/broker-rating", json={"score": 0}).status_code == 422
    ok(c["buyer"].post(f"{URL}/{did}/broker-rating", json={"score": 5, "comment": "专业"}), 201)
    assert c["buyer"].post(f"{URL}/{did}/broker-rating", json={"score": 4}).status_code == 409
    ok(c["supplier"].post(f"{URL}/{did}/broker-rating", json={"score": 4}), 201)
    profile = ok(c["anonymous"].get(f"{BROKERS}/{broker_id}"))
    assert profile["performance"]["completed"] == 1
    assert profile["performance"]["rating_average"] == 4.5
    assert profile["performance"]["gross_value"] == {"CNY": 1_000_000}
    # The operators' ranking, as JSON, CSV and XLSX.
    assert c["broker"].get(f"{BROKERS}/ranking").status_code == 403
    ranking = ok(c["operator"].get(f"{BROKERS}/ranking?domain=new_energy&region=宁波"))
    assert ranking[0]["broker"]["broker_id"] == broker_id
    assert ranking[0]["performance"]["completed"] == 1
    xlsx = c["operator"].get(f"{BROKERS}/ranking?format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet.cell(row=2, column=1).value == broker_id
    assert sheet.cell(row=2, column=7).value == 1
    with app.app_context():
        assert ledger.check(db.session) == []


def test_mediation_offers_through_the_api(cast):
    c = cast
    verified(c)
    assert c["broker"].post("/api/v1/mediation-offers", json={}).status_code == 422
    offer = ok(
        c["broker"].post(
            "/api/v1/mediation-offers", json={"listing_id": c["listing_id"], "message": "愿意撮合"}
        ),
        201,
    )
    assert (
        c["broker"]
        .post("/api/v1/mediation-offers", json={"listing_id": c["listing_id"]})
        .status_code
        == 409
    )
    received = ok(c["supplier"].get("/api/v1/mediation-offers?scope=received"))
    assert [o["id"] for o in received] == [offer["id"]]
    decide = f"/api/v1/mediation-offers/{offer['id']}/accept"
    assert c["buyer"].post(decide, json={}).status_code == 404  # not told it exists
    assert c["broker"].post(decide, json={}).status_code == 403  # their own offer
    ok(
        c["supplier"].post(
            f"/api/v1/mediation-offers/{offer['id']}/accept", json={"reason": "欢迎"}
        )
    )
    deal = ok(c["buyer"].post(URL, json={"listing_id": c["listing_id"]}), 201)
    brokers = ok(c["buyer"].get(f"{URL}/{deal['id']}/brokers"))
    assert [(b["status"], b["source"]) for b in brokers] == [("active", "offer")]
    # Release needs both parties.
    one = ok(c["buyer"].post(f"{URL}/{deal['id']}/brokers/release"))
    assert one["status"] == "active" and one["buyer_release_consent"]
    both = ok(c["supplier"].post(f"{URL}/{deal['id']}/brokers/release"))
    assert both["status"] == "released"
    assert c["broker"].get(f"{URL}/{deal['id']}").status_code == 404


def test_a_broker_not_on_the_deal_sees_nothing_of_it(cast):
    from tests.api.test_deals_api import deal_endpoints, funded_deal, send

    c = cast
    verified(c, "other_broker", certificate_number="JJR-OTHER")
    did = funded_deal(c)
    mid = ok(c["buyer"].get(f"{URL}/{did}"))["milestones"][0]["id"]
    for method, path, body in deal_endpoints(did, mid):
        r = send(c["other_broker"], method, path, body)
        assert r.status_code == 404, (method, path, r.json)
    assert ok(c["other_broker"].get(URL))["items"] == []
