"""The calibrated model (search/matching/model.py, model.json) and the honest split."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from eval import splits
from search.matching.model import LABELS, MatchModel, fit_logistic, load_models, sigmoid


def test_the_split_follows_its_rule_and_is_disjoint():
    stored = splits.load()
    assert stored == splits.compute()  # the file is what the stated rule gives, today
    tune, untouched = set(stored["tune"]), set(stored["untouched"])
    assert not tune & untouched
    everything = {
        f"{name}/{d}" for name in splits.SETS for d in splits.demand_ids(splits.DATA / name)
    }
    assert tune | untouched == everything
    assert {q for q in everything if q.startswith("dev/")} <= tune  # dev is never "untouched"
    assert len(untouched) >= 20 and len(tune - {q for q in tune if q.startswith("dev/")}) >= 10
    # deterministic: the same id always lands on the same side
    assert [splits.split_of("plant_a", f"X{i}") for i in range(50)] == [
        splits.split_of("plant_a", f"X{i}") for i in range(50)
    ]
    assert {splits.split_of("plant_a", f"X{i}") for i in range(50)} == {"tune", "untouched"}


@pytest.mark.parametrize("variant", ["lexical", "hybrid", "hybrid+concepts"])
def test_calibration_maps_to_the_unit_interval_monotonically(variant):
    model = load_models()[variant]
    assert set(model.thresholds) == set(LABELS)
    high, good, fair = (model.thresholds[k] for k in LABELS)
    assert 0 < fair <= good <= high <= 1
    assert "tune" in str(model.fitted["on"])
    # the probability is a monotone function of the logit, inside [0, 1]
    zs = np.linspace(-40, 40, 161)
    ps = [sigmoid(z) for z in zs]
    assert all(0.0 <= p <= 1.0 for p in ps)
    assert all(a <= b for a, b in zip(ps, ps[1:], strict=False))
    # and of each feature in the direction of its coefficient
    base = dict(zip(model.features, model.mean, strict=True))
    for name, w in zip(model.features, model.coef, strict=True):
        values = [model.probability(base | {name: x}) for x in np.linspace(-3, 3, 13)]
        steps = np.diff(values)
        assert (steps >= -1e-12).all() if w >= 0 else (steps <= 1e-12).all()


def test_labels_follow_the_thresholds():
    model = MatchModel(
        name="t",
        features=("x",),
        mean=(0.0,),
        scale=(1.0,),
        coef=(1.0,),
        intercept=0.0,
        thresholds={"high": 0.8, "good": 0.5, "fair": 0.2},
    )
    assert model.label(0.9) == "high" and model.label(0.8) == "high"
    assert model.label(0.6) == "good" and model.label(0.2) == "fair"
    assert model.label(0.19) is None  # below the lowest threshold: not shown


def test_logistic_fit_recovers_a_known_slope():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4000, 1))
    y = (rng.random(4000) < 1 / (1 + np.exp(-(2.0 * x[:, 0] - 1.0)))).astype(float)
    (w,), b = fit_logistic(x, y, l2=0.0)
    assert w == pytest.approx(2.0, abs=0.2) and b == pytest.approx(-1.0, abs=0.15)


def test_the_model_file_says_how_it_was_fitted():
    data = json.loads((splits.ROOT.parent / "search/matching/model.json").read_text())
    for variant in data["variants"].values():
        assert {"on", "calibration", "thresholds", "by"} <= set(variant["fitted"])
        assert all(math.isfinite(c) for c in variant["coef"])


def test_a_shared_concept_alone_never_makes_a_match():
    """The citrus-disease demand and the COVID antibody test share the concept 快速检测,
    nothing else: not shown. The same concept with closeness in meaning and shared words
    is (the concept is a feature, never the decision)."""
    model = load_models()["hybrid+concepts"]
    typical = {"trl": 0.75, "legal_status": 1.0, "recency": 0.8, "region": 0.0}
    concept_only = typical | {
        "concepts": 1.0,
        "ipc": 1.0,
        "terms": 0.0,
        "domain": 0.0,
        "dense": 0.80,
        "dense_z": 0.0,
    }
    assert model.label(model.probability(concept_only)) is None
    meant = concept_only | {"dense": 0.88, "dense_z": 2.5, "terms": 0.4, "domain": 1.0}
    assert model.label(model.probability(meant)) is not None
    assert model.probability(meant) > 10 * model.probability(concept_only)
