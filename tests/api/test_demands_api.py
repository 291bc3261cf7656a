"""The demands API shares the listings' blueprint shape; these cover what differs."""

import pytest

from tests.conftest import demand_payload

URL = "/api/v1/demands"


def test_demand_lifecycle(app, make):
    owner = make.user("enterprise_member")
    o, p = app.test_client(user=owner), app.test_client(user=make.operator())
    r = o.post(URL, json=demand_payload())
    assert r.status_code == 201, r.json
    did = r.json["id"]
    assert r.json["budget_min"] == 50_000_000 and r.json["deadline"] == "2027-01-28"
    assert app.test_client().get(f"{URL}/{did}").status_code == 404
    assert o.post(f"{URL}/{did}/submit").json["status"] == "pending_review"
    assert p.post(f"{URL}/{did}/publish").json["status"] == "published"
    assert app.test_client().get(URL).json["meta"]["total"] == 1
    assert o.post(f"{URL}/{did}/withdraw").json["status"] == "withdrawn"
    assert app.test_client().get(f"{URL}/{did}").status_code == 404


@pytest.mark.parametrize(
    "body,field",
    [
        (demand_payload(budget_min=300, budget_max=100), "budget_max"),
        (demand_payload(cooperation_modes=["buyout"]), "cooperation_modes"),
        (demand_payload(deadline="next week"), "deadline"),
        (demand_payload(budget_min="lots"), "budget_min"),
        (demand_payload(domain=None), "domain"),
    ],
)
def test_demand_validation(app, make, body, field):
    r = app.test_client(user=make.user("enterprise_member")).post(URL, json=body)
    assert r.status_code == 422, r.json
    assert field in r.json["error"]["fields"]


def test_patch_checks_budget_order_against_stored_values(app, make):
    owner = make.user("enterprise_member")
    did = make.demand(owner).id
    r = app.test_client(user=owner).patch(f"{URL}/{did}", json={"budget_max": 100})
    assert r.status_code == 422 and "budget_max" in r.json["error"]["fields"]


def test_budget_range_filter_selects_overlapping_budgets(app, make):
    owner = make.user("enterprise_member")
    make.demand(owner, status="published", budget_min=100, budget_max=200)
    make.demand(owner, status="published", budget_min=500, budget_max=900)
    make.demand(owner, status="published", budget_min=None, budget_max=None)
    c = app.test_client()
    assert c.get(f"{URL}?min_budget=150&max_budget=400").json["meta"]["total"] == 2
    assert c.get(f"{URL}?min_budget=1000").json["meta"]["total"] == 1


def test_deadline_sort(app, make):
    owner = make.user("enterprise_member")
    make.demand(owner, status="published", deadline="2027-05-01", title="later")
    make.demand(owner, status="published", deadline="2027-01-01", title="sooner")
    titles = [d["title"] for d in app.test_client().get(f"{URL}?sort=deadline").json["items"]]
    assert titles == ["sooner", "later"]
