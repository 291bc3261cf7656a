"""bench/match_eval.py: the figures `make eval` prints."""

from __future__ import annotations

import math

import pytest

from bench.match_eval import evaluate, main, ndcg, read_qrels, read_run, recall, reciprocal_rank

GRADES = {"a": 3, "b": 2, "c": 1, "d": 0}


def test_ndcg_uses_the_grades_and_the_ideal_order():
    assert ndcg(["a", "b", "c"], GRADES) == pytest.approx(1.0)
    swapped = ndcg(["b", "a", "c"], GRADES)
    ideal = 7 + 3 / math.log2(3) + 1 / 2
    assert swapped == pytest.approx((3 + 7 / math.log2(3) + 1 / 2) / ideal)
    assert ndcg(["x", "y"], GRADES) == 0.0
    # only the first 10 count
    assert ndcg([f"x{i}" for i in range(10)] + ["a"], GRADES) == 0.0


def test_recall_and_mrr_count_grade_two_and_above():
    assert recall(["c", "a"], GRADES) == 0.5  # a of {a, b}
    assert recall([f"x{i}" for i in range(20)] + ["a", "b"], GRADES) == 0.0
    assert reciprocal_rank(["c", "d", "b"], GRADES) == pytest.approx(1 / 3)
    assert reciprocal_rank(["c", "d"], GRADES) == 0.0


def test_files_and_means(tmp_path, capsys):
    qrels = tmp_path / "qrels.tsv"
    qrels.write_text("demand_id\tpatent_id\tgrade\nQ1\ta\t3\nQ1\tb\t1\nQ2\tc\t2\nQ3\td\t1\n")
    run = tmp_path / "run.tsv"
    run.write_text("Q1\tb\t2\t0.5\nQ1\ta\t1\t0.9\n")
    parsed = read_run(run)
    assert parsed == {"Q1": ["a", "b"]}  # ordered by rank, not by line
    result = evaluate(parsed, read_qrels(qrels))
    # Q3 has nothing relevant: not counted; Q2 is missing from the run: scores 0
    assert result["queries"] == 2
    assert result["mean"]["mrr"] == pytest.approx(0.5)
    assert result["mean"]["recall@20"] == pytest.approx(0.5)
    assert main([str(run), str(qrels)]) == 0
    assert "nDCG@10" in capsys.readouterr().out
