"""The evaluation data in the repository keeps its format (eval/validate_data.py): a broken
line, a wrong check digit or a grade above what a hard constraint allows fails here, not
in the middle of `make eval`."""

from __future__ import annotations

import pytest

from eval.validate_data import validate
from tests.paths import ROOT

SETS = sorted(p for p in (ROOT / "eval" / "data").iterdir() if (p / "qrels.tsv").exists())


def test_there_is_evaluation_data():
    assert {p.name for p in SETS} >= {"dev", "plant_a", "plant_b"}


@pytest.mark.parametrize("directory", SETS, ids=lambda p: p.name)
def test_evaluation_set_is_valid(directory):
    report, stats = validate(str(directory))
    assert report.errors == []
    assert stats["demands"] >= 16 and stats["patents"] >= 50
