from tests.conftest import listing_payload


def test_create_submit_publish_roundtrip(app, make):
    owner = make.user("researcher")
    op = make.operator()
    c = app.test_client(user=owner)
    r = c.post("/api/v1/listings", json=listing_payload())
    assert r.status_code == 201, r.json
    lid = r.json["id"]
    assert r.json["status"] == "draft"
    assert r.json["patents"][0]["patent_number"] == "CN202113530829.1"
    r = c.post(f"/api/v1/listings/{lid}/submit")
    assert r.status_code == 200, r.json
    assert r.json["status"] == "pending_review"
    r = app.test_client(user=op).post(f"/api/v1/listings/{lid}/publish")
    assert r.status_code == 200, r.json
    r = app.test_client().get("/api/v1/listings")
    assert [i["id"] for i in r.json["items"]] == [lid]
