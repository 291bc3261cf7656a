URL = "/api/v1/organizations"


def test_directory_and_filters(app, make):
    make.organization("university", name="甬江大学")
    make.organization("enterprise", name="慈溪电机有限公司")
    c = app.test_client()
    assert c.get(URL).json["meta"]["total"] == 2
    assert [o["name"] for o in c.get(f"{URL}?kind=enterprise").json["items"]] == [
        "慈溪电机有限公司"
    ]
    assert c.get(f"{URL}?q=甬江").json["items"][0]["kind"] == "university"


def test_only_operators_create(app, make):
    body = {"name": "宁波新材料研究所", "kind": "institute", "region": "宁波"}
    assert app.test_client(user=make.user("researcher")).post(URL, json=body).status_code == 403
    r = app.test_client(user=make.operator()).post(URL, json=body)
    assert r.status_code == 201 and r.json["verification_status"] == "unverified"


def test_verification_flow(app, make):
    member = make.user("researcher")
    org_id = member.organization.id
    m, op = app.test_client(user=member), app.test_client(user=make.operator())
    assert m.post(f"{URL}/{org_id}/verification/verify").status_code == 403
    assert m.post(f"{URL}/{org_id}/verification/request").json["verification_status"] == "pending"
    assert m.post(f"{URL}/{org_id}/verification/request").status_code == 409
    r = op.post(f"{URL}/{org_id}/verification/reject", json={})
    assert r.status_code == 422 and "note" in r.json["error"]["fields"]
    r = op.post(f"{URL}/{org_id}/verification/reject", json={"note": "营业执照不清晰"})
    assert r.json["verification_status"] == "rejected"
    assert m.post(f"{URL}/{org_id}/verification/request").status_code == 200
    assert op.post(f"{URL}/{org_id}/verification/verify").json["verification_status"] == "verified"
    r = m.patch(f"{URL}/{org_id}", json={"name": "改名大学"})
    assert r.status_code == 409


def test_members_edit_their_organization_only(app, make):
    member = make.user("researcher")
    other = make.user("researcher")
    org_id = member.organization.id
    assert (
        app.test_client(user=other).patch(f"{URL}/{org_id}", json={"region": "杭州"}).status_code
        == 403
    )
    r = app.test_client(user=member).patch(f"{URL}/{org_id}", json={"region": "杭州"})
    assert r.status_code == 200 and r.json["region"] == "杭州"


def test_payout_account_is_set_by_operators(app, make):
    member = make.user("researcher")
    org_id = member.organization.id
    url = f"{URL}/{org_id}/payout-account"
    m, op = app.test_client(user=member), app.test_client(user=make.operator())
    assert m.put(url, json={"stripe_account_id": "acct_1X"}).status_code == 403
    r = op.put(url, json={"stripe_account_id": "not-an-account"})
    assert r.status_code == 422 and "stripe_account_id" in r.json["error"]["fields"]
    r = op.put(url, json={})
    assert r.status_code == 422 and "stripe_account_id" in r.json["error"]["fields"]
    r = op.put(url, json={"stripe_account_id": "acct_1X"})
    assert r.status_code == 200 and r.json == {
        "organization_id": org_id,
        "stripe_account_id": "acct_1X",
    }
    # The public record says only whether one is connected.
    public = app.test_client().get(f"{URL}/{org_id}").json
    assert public["payout_account_connected"] is True and "stripe_account_id" not in public
