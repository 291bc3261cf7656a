"""Reciprocal rank fusion and the minimum-should-match arithmetic (pure functions)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from search.fusion import rrf
from search.queries import required_words


def test_a_document_high_in_both_lists_beats_one_first_in_only_one():
    bm25 = ["a", "b", "c", "d"]
    dense = ["c", "e", "a"]
    fused = rrf([bm25, dense], k=60)
    assert [doc for doc, _ in fused] == ["a", "c", "b", "e", "d"]
    assert fused[0][1] == pytest.approx(1 / 61 + 1 / 63)
    assert dict(fused)["d"] == pytest.approx(1 / 64)


def test_weights_scale_each_lists_votes():
    fused = rrf([["a", "b"], ["b", "a"]], k=1, weights=[1.0, 3.0])
    assert [doc for doc, _ in fused] == ["b", "a"]
    assert dict(fused)["b"] == pytest.approx(1 / 3 + 3 / 2)
    assert rrf([["a"], ["b"]], weights=[0.0, 1.0])[0][0] == "b"


def test_ties_keep_the_first_lists_order_and_repeats_count_once():
    assert [doc for doc, _ in rrf([["x", "y"], ["y", "x"]])] == ["x", "y"]
    assert dict(rrf([["a", "a", "b"]]))["a"] == pytest.approx(1 / 61)
    assert rrf([]) == [] and rrf([[], []]) == []


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError):
        rrf([["a"]], k=0)
    with pytest.raises(ValueError):
        rrf([["a"], ["b"]], weights=[1.0])


@given(st.lists(st.lists(st.integers(0, 30), max_size=15), min_size=1, max_size=4))
def test_fusion_is_a_ranking_of_every_id_given(rankings):
    fused = rrf(rankings)
    assert {doc for doc, _ in fused} == {doc for ranking in rankings for doc in ranking}
    scores = [score for _, score in fused]
    assert scores == sorted(scores, reverse=True)


def test_required_words_follows_elasticsearchs_minimum_should_match():
    assert [required_words(n) for n in range(1, 8)] == [1, 2, 2, 3, 3, 4, 5]  # "2<75%"
    assert [required_words(n, "50%") for n in (1, 2, 3, 5)] == [1, 1, 1, 2]
    assert required_words(4, "3") == 3 and required_words(2, "3") == 2
