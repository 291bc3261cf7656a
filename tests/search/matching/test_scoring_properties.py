"""The matcher's promises, over random demands and listings (pure functions, no database):
hard constraints are never violated, explanations name only words the listing contains."""

from __future__ import annotations

import dataclasses
from datetime import date

from hypothesis import event, given, settings
from hypothesis import strategies as st

from marketplace.models.vocab import DOMAINS, LEGAL_STATUSES, PUBLICATION_STATUSES, TRANSFER_MODES
from search.matching import (
    DemandFacts,
    ListingFacts,
    hard_constraint_failures,
    load_concepts,
    rank_demands,
    rank_listings,
)
from search.matching.concepts import contains

TODAY = date(2026, 6, 1)
# Words the matcher knows (concept cues and terms) mixed with words it does not, so that
# random texts hit concepts, synonyms and nothing at all.
VOCAB = sorted({w for c in load_concepts() for w in c.words} | {"电池", "算法", "设备", "材料"})
texts = st.lists(st.sampled_from(VOCAB), max_size=6).map("，".join)
modes = st.lists(st.sampled_from(TRANSFER_MODES), max_size=3, unique=True).map(tuple)
orgs = st.integers(1, 3)
amounts = st.integers(0, 5_000).map(lambda yuan: yuan * 100_000)


@st.composite
def listings(draw, listing_id: int, statuses=st.sampled_from(PUBLICATION_STATUSES), modes=modes):
    price_type = draw(st.sampled_from(("fixed", "negotiable", "auction")))
    return ListingFacts(
        id=listing_id,
        organization_id=draw(orgs),
        status=draw(statuses),
        title=draw(texts),
        domain=draw(st.sampled_from(DOMAINS)),
        transfer_modes=draw(modes),
        price_type=price_type,
        price_amount=None if price_type == "negotiable" else draw(amounts),
        currency=draw(st.sampled_from(("CNY", "CNY", "USD"))),
        trl=draw(st.integers(1, 9)),
        region=draw(st.sampled_from(("宁波", "杭州", ""))),
        summary=draw(texts),
        abstracts=(draw(texts),),
        claims=(draw(texts),),
        ipc_codes=tuple(
            draw(
                st.lists(
                    st.sampled_from(("H01M4/505", "G05D1/02", "C02F1/28", "A61B5/145")), max_size=2
                )
            )
        ),
        legal_statuses=tuple(
            draw(st.lists(st.sampled_from(LEGAL_STATUSES), max_size=2, unique=True))
        ),
        filing_dates=(date(draw(st.integers(2000, 2026)), 1, 1),),
    )


@st.composite
def demands(draw, demand_id: int):
    return DemandFacts(
        id=demand_id,
        organization_id=draw(orgs),
        status=draw(st.sampled_from(("published", "published", "draft", "closed"))),
        title=draw(texts),
        description=draw(texts),
        domain=draw(st.sampled_from(DOMAINS)),
        cooperation_modes=draw(modes),
        budget_max=draw(st.one_of(st.none(), amounts)),
        currency=draw(st.sampled_from(("CNY", "CNY", "EUR"))),
        region=draw(st.sampled_from(("宁波", "余姚", ""))),
        deadline=draw(st.one_of(st.none(), st.dates(date(2025, 1, 1), date(2027, 12, 31)))),
    )


def assert_admissible(d: DemandFacts, li: ListingFacts) -> None:
    assert li.status == "published"
    assert li.organization_id != d.organization_id
    assert set(li.transfer_modes) & set(d.cooperation_modes)
    if li.price_type == "fixed" and d.budget_max is not None:
        assert li.currency == d.currency
        assert li.price_amount <= d.budget_max


@settings(max_examples=150, deadline=None)
@given(
    demand=demands(1),
    pool=st.lists(st.integers(1, 10_000), min_size=1, max_size=25, unique=True).flatmap(
        lambda ids: st.tuples(*(listings(i) for i in ids))
    ),
    text_scores=st.dictionaries(st.integers(1, 10_000), st.floats(0, 50), max_size=10),
)
def test_ranked_listings_never_break_a_hard_constraint(demand, pool, text_scores):
    ranked = rank_listings(demand, list(pool), text_scores=text_scores, k=50, today=TODAY)
    by_id = {li.id: li for li in pool}
    for m in ranked:
        assert_admissible(demand, by_id[m.listing_id])
    # and nothing admissible is left out when k is large enough
    admissible = {li.id for li in pool if not hard_constraint_failures(demand, li)}
    assert {m.listing_id for m in ranked} == admissible
    scores = [m.score for m in ranked]
    assert scores == sorted(scores, reverse=True)


some_modes = st.lists(st.sampled_from(TRANSFER_MODES), min_size=1, max_size=3, unique=True).map(
    tuple
)


@st.composite
def fitting_demands(draw, demand_id: int, listing: ListingFacts):
    """An open demand that breaks none of the hard constraints with ``listing`` (when the
    listing is published and has a mode; otherwise as close as it gets)."""
    demand = draw(demands(demand_id))
    changes: dict = {
        "status": "published",
        "deadline": draw(st.one_of(st.none(), st.dates(TODAY, date(2027, 12, 31)))),
        "organization_id": listing.organization_id % 3 + 1,
    }
    if listing.transfer_modes:
        changes["cooperation_modes"] = (draw(st.sampled_from(listing.transfer_modes)),)
    if listing.price_type == "fixed" and listing.price_amount is not None:
        changes["currency"] = listing.currency
        changes["budget_max"] = draw(
            st.one_of(st.none(), st.integers(listing.price_amount, listing.price_amount * 2))
        )
    return dataclasses.replace(demand, **changes)


def mixed_pool(listing: ListingFacts, ids: list[int], data) -> list[DemandFacts]:
    """The first demand fits the listing; the others are random or fitting, mixed."""
    first, *rest = ids
    return [data.draw(fitting_demands(first, listing))] + [
        data.draw(st.one_of(demands(i), fitting_demands(i, listing))) for i in rest
    ]


demand_ids = st.lists(st.integers(1, 10_000), min_size=1, max_size=25, unique=True)


@settings(max_examples=150, deadline=None)
@given(
    listing=listings(1, statuses=st.just("published"), modes=some_modes),
    ids=demand_ids,
    data=st.data(),
)
def test_ranked_demands_are_open_and_never_break_a_hard_constraint(listing, ids, data):
    pool = mixed_pool(listing, ids, data)
    ranked = rank_demands(listing, pool, k=50, today=TODAY)
    assert ranked  # the first demand fits: every example ranks something
    by_id = {d.id: d for d in pool}
    for m in ranked:
        d = by_id[m.demand_id]
        assert d.status == "published"
        assert d.deadline is None or d.deadline >= TODAY
        assert_admissible(d, listing)
    # and every open, admissible demand is ranked (k is large enough)
    expected = {
        d.id
        for d in pool
        if d.status == "published"
        and (d.deadline is None or d.deadline >= TODAY)
        and not hard_constraint_failures(d, listing)
    }
    assert {m.demand_id for m in ranked} == expected
    event(f"ranked {min(len(ranked), 3)}{'+' if len(ranked) > 3 else ''} of {len(pool)}")


@settings(max_examples=50, deadline=None)
@given(
    listing=listings(
        1,
        statuses=st.sampled_from([s for s in PUBLICATION_STATUSES if s != "published"]),
        modes=some_modes,
    ),
    ids=demand_ids,
    data=st.data(),
)
def test_a_listing_not_published_ranks_no_demand(listing, ids, data):
    pool = mixed_pool(listing, ids, data)
    assert rank_demands(listing, pool, k=50, today=TODAY) == []
    # the same listing, published, would rank the demand that fits it
    assert rank_demands(dataclasses.replace(listing, status="published"), pool, k=50, today=TODAY)


@st.composite
def admissible_pairs(draw):
    """A demand and a listing that break no hard constraint (built to, not filtered)."""
    demand = draw(demands(1))
    demand = dataclasses.replace(
        demand,
        cooperation_modes=draw(
            st.lists(st.sampled_from(TRANSFER_MODES), min_size=1, max_size=3, unique=True).map(
                tuple
            )
        ),
    )
    listing = draw(listings(2, statuses=st.just("published")))
    common = draw(st.sampled_from(demand.cooperation_modes))
    changes = {
        "organization_id": demand.organization_id % 3 + 1,
        "transfer_modes": tuple(dict.fromkeys((common, *listing.transfer_modes))),
    }
    if listing.price_type == "fixed" and demand.budget_max is not None:
        changes["currency"] = demand.currency
        changes["price_amount"] = draw(st.integers(0, demand.budget_max))
    return demand, dataclasses.replace(listing, **changes)


@settings(max_examples=200, deadline=None)
@given(pair=admissible_pairs())
def test_explanations_name_only_words_the_listing_contains(pair):
    demand, listing = pair
    assert hard_constraint_failures(demand, listing) == []
    ranked = rank_listings(demand, [listing], k=1, today=TODAY)
    assert len(ranked) == 1  # an admissible pair is always ranked: every example checks one
    (m,) = ranked
    text = listing.text
    for term in m.matched_terms:
        assert contains(text, term), term
    assert 0 <= m.score <= 1
    assert all(0 <= v <= 1 for v in m.parts.values())
    assert set(m.common_modes) <= set(listing.transfer_modes) & set(demand.cooperation_modes)
    assert m.common_modes  # the common mode it was built with
    event("with matched terms" if m.matched_terms else "no matched terms")


def _demand(**kw) -> DemandFacts:
    base = dict(
        id=1,
        organization_id=1,
        status="published",
        title="仓库搬运小车经常跑丢",
        description="货架一挪动小车就找不到自己在哪，想升级导航定位。",
        domain="ai",
        cooperation_modes=("license_exclusive",),
        budget_max=60_000_000,
    )
    return DemandFacts(**(base | kw))


def _listing(listing_id: int, **kw) -> ListingFacts:
    base = dict(
        id=listing_id,
        organization_id=2,
        status="published",
        title="一种仓储AGV激光SLAM动态环境重定位方法",
        domain="ai",
        transfer_modes=("license_exclusive",),
        price_type="fixed",
        price_amount=35_000_000,
        abstracts=("货架频繁变动环境下的激光slam重定位，定位丢失后2秒内恢复。",),
        ipc_codes=("G05D1/02",),
        legal_statuses=("granted",),
    )
    return ListingFacts(**(base | kw))


def test_concepts_bridge_enterprise_and_patent_wording():
    relocalise = _listing(1)
    charger = _listing(
        2,
        title="一种AGV锂电池自动充电桩",
        abstracts=("AGV自动充电桩，弹性电极与底部触点对接。",),
        ipc_codes=("B60L53/30",),
        domain="smart_components",
    )
    ranked = rank_listings(_demand(), [charger, relocalise], today=TODAY)
    assert [m.listing_id for m in ranked] == [1, 2]
    best = ranked[0]
    assert "移动机器人定位" in best.concepts
    assert "重定位" in best.matched_terms
    assert best.parts["ipc"] == 1.0 and best.parts["domain"] == 1.0
    assert best.parts["concepts"] > ranked[1].parts["concepts"]


def test_each_hard_constraint_is_named():
    d = _demand()
    assert hard_constraint_failures(d, _listing(1)) == []
    assert hard_constraint_failures(d, _listing(1, status="closed")) == ["listing_not_published"]
    assert hard_constraint_failures(d, _listing(1, organization_id=1)) == ["own_organization"]
    assert hard_constraint_failures(d, _listing(1, transfer_modes=("assignment",))) == [
        "no_common_mode"
    ]
    assert hard_constraint_failures(d, _listing(1, price_amount=60_000_001)) == ["over_budget"]
    assert hard_constraint_failures(d, _listing(1, price_amount=60_000_000)) == []
    assert hard_constraint_failures(d, _listing(1, currency="USD")) == ["price_currency"]
    # a negotiable or auction price is not held against the budget
    assert (
        hard_constraint_failures(d, _listing(1, price_type="negotiable", price_amount=None)) == []
    )
    assert (
        hard_constraint_failures(_demand(budget_max=None), _listing(1, price_amount=10**12)) == []
    )


def test_soft_preferences_order_otherwise_equal_listings():
    granted = _listing(1, legal_statuses=("granted",))
    pending = _listing(2, legal_statuses=("pending",))
    lapsed = _listing(3, legal_statuses=("lapsed",))
    ranked = rank_listings(_demand(), [lapsed, pending, granted], today=TODAY)
    assert [m.listing_id for m in ranked] == [1, 2, 3]
    near = _listing(4, region="宁波")
    far = _listing(5, region="西安")
    ranked = rank_listings(_demand(region="宁波"), [far, near], today=TODAY)
    assert [m.listing_id for m in ranked] == [4, 5]
    mature = _listing(6, trl=8)
    early = _listing(7, trl=2)
    assert [m.listing_id for m in rank_listings(_demand(), [early, mature], today=TODAY)] == [6, 7]


def test_strong_only_for_a_real_fit():
    good = rank_listings(_demand(), [_listing(1)], today=TODAY)[0]
    unrelated = _listing(
        2,
        title="一种茶饮料的制备方法",
        abstracts=("低苦涩味绿茶饮料。",),
        domain="agriculture",
        ipc_codes=("A23F3/16",),
    )
    poor = rank_listings(_demand(), [unrelated], text_scores={2: 1.0}, today=TODAY)[0]
    assert good.strong and not poor.strong
    assert poor.parts["text"] == 1.0  # the relative text part alone never makes a pair strong


def test_english_texts_match_whole_words_singular_or_plural():
    demand = _demand(
        title="Battery packs of electric scooters lose capacity",
        description="We want a battery management method that keeps the cells balanced.",
        domain="new_energy",
    )
    balancing = _listing(
        1,
        title="Active cell balancing for lithium batteries",
        abstracts=("A battery management system balances the cells of a pack.",),
        domain="new_energy",
        ipc_codes=("H02J7/00",),
    )
    mesh = _listing(
        2,
        title="Wire meshes for filters",
        abstracts=("Many times stronger meshes.",),
        domain="new_materials",
        ipc_codes=("B01D39/12",),
    )
    ranked = rank_listings(demand, [mesh, balancing], today=TODAY)
    assert [m.listing_id for m in ranked] == [1, 2]
    assert {"battery", "cells", "balanced"} & set(ranked[0].matched_terms) >= {"battery", "cells"}
    assert ranked[1].matched_terms == []
