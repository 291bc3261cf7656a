"""The listings API: CRUD, visibility, workflow endpoints, validation errors."""

import pytest

from tests.conftest import listing_payload

URL = "/api/v1/listings"


def patent(**overrides):
    data = dict(listing_payload()["patents"][0])
    data.update(overrides)
    return data


def test_create_requires_login(client):
    r = client.post(URL, json=listing_payload())
    assert r.status_code == 401
    assert r.json["error"]["code"] == "unauthorized"


def test_operator_without_organization_cannot_list(app, make):
    r = app.test_client(user=make.operator()).post(URL, json=listing_payload())
    assert r.status_code == 403


def test_create_normalises_patent_and_derives_type(app, make):
    owner = make.user("researcher")
    body = listing_payload(patents=[patent(patent_number="cn 2021 1353 0829.1", patent_type=None)])
    body["patents"][0].pop("patent_type")
    r = app.test_client(user=owner).post(URL, json=body)
    assert r.status_code == 201, r.json
    p = r.json["patents"][0]
    assert p["patent_number"] == "CN202113530829.1"
    assert p["patent_type"] == "invention"
    assert r.json["organization"]["id"] == owner.organization.id
    assert r.json["actions"] == ["submit", "withdraw"] or sorted(r.json["actions"]) == [
        "submit",
        "withdraw",
    ]


@pytest.mark.parametrize(
    "body,field,needle",
    [
        (
            listing_payload(patents=[patent(patent_number="CN202113530829.2")]),
            "patents",
            "check digit",
        ),
        (listing_payload(domain="quantum_magic"), "domain", "Must be one of"),
        (listing_payload(trl=12), "trl", "between 1 and 9"),
        (listing_payload(trl="5"), "trl", "Not a valid integer"),
        (listing_payload(price_amount=-5), "price_amount", "greater than or equal to 0"),
        (listing_payload(price_amount=12.5), "price_amount", "Not a valid integer"),
        (listing_payload(transfer_modes=[]), "transfer_modes", "Shorter than minimum"),
        (listing_payload(transfer_modes=["sale"]), "transfer_modes", "Must be one of"),
        (listing_payload(currency="XBT"), "currency", "Must be one of"),
        (listing_payload(title=""), "title", "Length"),
        (listing_payload(colour="blue"), "colour", "Unknown field"),
        (listing_payload(patents=[patent(ipc_codes=["H01M-4"])]), "patents", "not an IPC code"),
        (
            listing_payload(patents=[patent(patent_type="design")]),
            "patents",
            "encodes patent type invention, not design",
        ),
        (
            listing_payload(patents=[patent(filing_date="2021-13-40")]),
            "patents",
            "Not a valid date",
        ),
        (listing_payload(patents=[patent(legal_status="expired")]), "patents", "Must be one of"),
    ],
)
def test_invalid_input_is_a_422_with_field_messages(app, make, body, field, needle):
    r = app.test_client(user=make.user("researcher")).post(URL, json=body)
    assert r.status_code == 422, r.json
    assert r.json["error"]["code"] == "validation_error"
    assert field in r.json["error"]["fields"]
    assert needle in str(r.json["error"]["fields"][field])


def test_fixed_price_needs_an_amount(app, make):
    r = app.test_client(user=make.user("researcher")).post(
        URL, json=listing_payload(price_type="fixed", price_amount=None)
    )
    assert r.status_code == 422
    assert "price_amount" in r.json["error"]["fields"]


def test_negotiable_price_drops_the_amount(app, make):
    r = app.test_client(user=make.user("researcher")).post(
        URL, json=listing_payload(price_type="negotiable", price_amount=500)
    )
    assert r.status_code == 201
    assert r.json["price_amount"] is None


def test_duplicate_patent_numbers_in_one_listing(app, make):
    r = app.test_client(user=make.user("researcher")).post(
        URL, json=listing_payload(patents=[patent(), patent()])
    )
    assert r.status_code == 422
    assert "patents" in r.json["error"]["fields"]


@pytest.mark.parametrize(
    "data,content_type,status",
    [
        (b"{not json", "application/json", 400),
        (b'"a string"', "application/json", 422),
        (b"[1, 2]", "application/json", 422),
        (b"", "application/json", 422),  # an empty body is missing data
    ],
)
def test_malformed_bodies(app, make, data, content_type, status):
    r = app.test_client(user=make.user("researcher")).post(
        URL, data=data, content_type=content_type
    )
    assert r.status_code == status, r.data
    assert r.json["error"]["status"] == status


def test_oversized_body_is_413(app, make):
    client = app.test_client(user=make.user("researcher"))
    limit = app.config["MAX_CONTENT_LENGTH"]
    body = b'{"title": "' + b"x" * (limit + 10) + b'"}'
    r = client.post(URL, data=body, content_type="application/json")
    assert r.status_code == 413
    assert r.json["error"]["code"] == "payload_too_large"


def test_visibility_of_drafts(app, make):
    owner = make.user("researcher")
    colleague = make.user("researcher", organization=owner.organization)
    stranger = make.user("researcher")
    draft = make.listing(owner)
    published = make.listing(owner, status="published")
    for user, code in [(owner, 200), (colleague, 200), (make.operator(), 200), (stranger, 404)]:
        assert app.test_client(user=user).get(f"{URL}/{draft.id}").status_code == code
    assert app.test_client().get(f"{URL}/{draft.id}").status_code == 404
    assert app.test_client().get(f"{URL}/{published.id}").status_code == 200
    ids = [i["id"] for i in app.test_client(user=stranger).get(f"{URL}?status=any").json["items"]]
    assert ids == [published.id]
    ids = [i["id"] for i in app.test_client(user=owner).get(f"{URL}?status=draft").json["items"]]
    assert ids == [draft.id]
    # Anonymous users asking for drafts get an empty list, not someone's drafts.
    assert app.test_client().get(f"{URL}?status=draft").json["items"] == []


def test_workflow_endpoints_and_refusals(app, make):
    owner = make.user("researcher")
    op = make.operator()
    lid = make.listing(owner).id
    o, p = app.test_client(user=owner), app.test_client(user=op)
    assert p.post(f"{URL}/{lid}/publish").status_code == 409  # a draft is not reviewable
    assert o.post(f"{URL}/{lid}/submit").json["status"] == "pending_review"
    r = o.post(f"{URL}/{lid}/publish")
    assert r.status_code == 403 and "operators" in r.json["error"]["message"]
    r = p.post(f"{URL}/{lid}/reject", json={})
    assert r.status_code == 422 and "reason" in r.json["error"]["fields"]
    r = p.post(f"{URL}/{lid}/reject", json={"reason": "专利号与权利人不符"})
    assert r.json["status"] == "rejected" and r.json["rejection_reason"] == "专利号与权利人不符"
    assert o.post(f"{URL}/{lid}/submit").json["status"] == "pending_review"
    r = p.post(f"{URL}/{lid}/publish")
    assert r.json["status"] == "published" and r.json["published_at"]
    assert o.post(f"{URL}/{lid}/close").json["status"] == "closed"
    r = o.post(f"{URL}/{lid}/withdraw")
    assert r.status_code == 409 and "closed" in r.json["error"]["message"]


def test_editing_a_published_listing_sends_it_back_to_review(app, make):
    owner = make.user("researcher")
    lid = make.listing(owner, status="published").id
    c = app.test_client(user=owner)
    r = c.patch(f"{URL}/{lid}", json={"trl": 7})
    assert r.status_code == 200, r.json
    assert r.json["trl"] == 7 and r.json["status"] == "pending_review"
    assert app.test_client().get(f"{URL}/{lid}").status_code == 404


def test_patch_without_changes_keeps_it_published(app, make):
    owner = make.user("researcher")
    lid = make.listing(owner, status="published").id
    r = app.test_client(user=owner).patch(f"{URL}/{lid}", json={"trl": 6})
    assert r.json["status"] == "published"


def test_patch_validates_cross_field_rules_against_stored_values(app, make):
    owner = make.user("researcher")
    lid = make.listing(owner, price_type="negotiable", price_amount=None).id
    r = app.test_client(user=owner).patch(f"{URL}/{lid}", json={"price_type": "fixed"})
    assert r.status_code == 422 and "price_amount" in r.json["error"]["fields"]


def test_patch_replaces_patents(app, make):
    owner = make.user("researcher")
    lid = make.listing(owner).id
    new = patent(patent_number="CN202314602037.6", legal_status="granted")
    r = app.test_client(user=owner).patch(f"{URL}/{lid}", json={"patents": [new]})
    assert [p["patent_number"] for p in r.json["patents"]] == ["CN202314602037.6"]


def test_only_members_edit(app, make):
    owner = make.user("researcher")
    lid = make.listing(owner, status="published").id
    r = app.test_client(user=make.user("researcher")).patch(f"{URL}/{lid}", json={"trl": 3})
    assert r.status_code == 403
    r = app.test_client(user=make.operator()).patch(f"{URL}/{lid}", json={"trl": 3})
    assert r.status_code == 403


def test_withdrawn_listings_cannot_be_edited(app, make):
    owner = make.user("researcher")
    lid = make.listing(owner, status="withdrawn").id
    r = app.test_client(user=owner).patch(f"{URL}/{lid}", json={"trl": 3})
    assert r.status_code == 409


def test_delete_only_drafts(app, make):
    owner = make.user("researcher")
    c = app.test_client(user=owner)
    draft = make.listing(owner).id
    pending = make.listing(owner, status="pending_review").id
    assert c.delete(f"{URL}/{pending}").status_code == 409
    assert c.delete(f"{URL}/{draft}").status_code == 204
    assert c.get(f"{URL}/{draft}").status_code == 404


def test_filters_sorting_and_pagination(app, make):
    owner = make.user("researcher")
    make.listing(owner, status="published", domain="ai", region="杭州", price_amount=1_000)
    make.listing(owner, status="published", domain="ai", region="宁波", price_amount=5_000)
    make.listing(owner, status="published", domain="new_energy", price_amount=9_000)
    make.listing(owner, status="published", price_type="negotiable", price_amount=None)
    c = app.test_client()
    assert c.get(f"{URL}?domain=ai").json["meta"]["total"] == 2
    assert c.get(f"{URL}?domain=ai&region=杭州").json["meta"]["total"] == 1
    r = c.get(f"{URL}?min_price=2000&max_price=9000&sort=price_asc").json
    assert [i["price_amount"] for i in r["items"]] == [5_000, 9_000]
    r = c.get(f"{URL}?per_page=3&page=2").json
    assert r["meta"] == {"page": 2, "per_page": 3, "total": 4, "pages": 2}
    assert len(r["items"]) == 1
    assert c.get(f"{URL}?per_page=1000").status_code == 422
    assert c.get(f"{URL}?domain=nope").status_code == 422
    assert c.get(f"{URL}?page=0").status_code == 422


def test_unknown_listing_is_404_json(client):
    r = client.get(f"{URL}/999999")
    assert r.status_code == 404 and r.json["error"]["code"] == "not_found"
