"""``segment`` cleans jieba's output with whole-text regular expressions; it must give
exactly what the plain per-token filter gives (no separator-only token, every word whole)."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.analysis import _segmenter, segment, synonym_terms
from tests.paths import DEV_DATA

DEV = DEV_DATA
_SPACE = re.compile(r"\s+")
_WORDLIKE = re.compile(r"\w")


def reference(text: str, for_query: bool) -> str:
    """Cut the raw text, then drop each token that has no word character."""
    if not text:
        return ""
    seg = _segmenter()
    text = text.lower()
    words = seg.cut(text, False) if for_query else seg.cut_for_search(text, False)
    return " ".join(w for w in (_SPACE.sub("", w) for w in words) if w and _WORDLIKE.search(w))


def dev_texts() -> list[str]:
    texts: list[str] = []

    def walk(value) -> None:
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for path in sorted(DEV.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                walk(json.loads(line))
    return texts


@pytest.mark.parametrize("for_query", [False, True])
def test_dev_set_and_synonym_terms_cut_as_the_reference(for_query):
    dev = dev_texts()
    assert len(dev) > 300, "the development set (eval/data/dev) is missing"
    texts = dev + sorted(synonym_terms())
    differing = [t for t in texts if segment(t, for_query=for_query) != reference(t, for_query)]
    assert differing == []


# Words jieba keeps with their symbols (c++, c#), Chinese and ASCII punctuation, full-width
# forms, every kind of space.
ALPHABET = (
    list("锂电池离子打印激光钕铁硼磁体增材制造cdlionfgb35０１ＡＢ_")
    + list("，。、；：（）()-+#&._%/!?@「」《》·～\u3000 \t\n")
    + ["c++", "c#", "3D", "Li-ion", "5G"]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(ALPHABET), max_size=40).map("".join), st.booleans())
def test_any_mix_of_words_and_symbols_cuts_as_the_reference(text, for_query):
    assert segment(text, for_query=for_query) == reference(text, for_query)


def test_symbols_alone_leave_nothing_and_words_keep_their_symbols():
    assert segment("（-/.、）") == ""
    assert segment("c++ 与 c# 编程", for_query=True).split()[:3] == ["c++", "与", "c#"]
