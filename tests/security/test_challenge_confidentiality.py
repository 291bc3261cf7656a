"""Proposals never leak to other solvers: through every API route that shows proposals,
a stranger to the proposal (another university, a broker, anonymous) sees only the count;
the proposing organization its own; the poster and operators all (tests/security/world.py
builds the researcher's proposal on the enterprise's open challenge)."""

from __future__ import annotations

from tests.security.world import fresh_world

APPROACH = "烧结工艺"  # the researcher's proposal's text (world.py _challenges)


def test_other_solvers_see_only_the_count(app, make):
    world = fresh_world(app, make)
    cid, pid, qid = world.ids["challenge"], world.ids["proposal"], world.ids["question"]
    for role in ("anonymous", "broker", "other"):
        client = world.client(role)
        listed = client.get(f"/api/v1/challenges/{cid}/proposals")
        assert listed.status_code == 200
        assert listed.get_json() == {"count": 1, "proposals": []}, role
        assert APPROACH not in listed.get_data(as_text=True)
        for url in (f"/api/v1/challenges/proposals/{pid}",):
            assert client.get(url).status_code in (401, 404), (role, url)
        for path in ("shortlist", "reject", "questions", "scores"):
            response = client.post(f"/api/v1/challenges/proposals/{pid}/{path}", json={})
            assert response.status_code in (401, 404, 422), (role, path)
            assert APPROACH not in response.get_data(as_text=True)
        answer = client.post(f"/api/v1/challenges/questions/{qid}/answer", json={"answer": "x"})
        assert answer.status_code in (401, 404), role
        detail = client.get(f"/api/v1/challenges/{cid}").get_data(as_text=True)
        assert APPROACH not in detail
        mine = client.get("/api/v1/challenges/mine").get_data(as_text=True)
        assert APPROACH not in mine
    researcher = world.client("researcher").get(f"/api/v1/challenges/{cid}/proposals").get_json()
    assert [p["approach"] for p in researcher["proposals"]] == [APPROACH]
    for role in ("enterprise", "operator"):
        seen = world.client(role).get(f"/api/v1/challenges/{cid}/proposals").get_json()
        assert [p["id"] for p in seen["proposals"]] == [pid], role
