"""The learned part of the matcher: features of a (demand, listing) pair → a calibrated
probability that the listing solves a substantial part of the need (grade ≥ 2).

A small logistic regression, numpy only. Its coefficients, the feature scaling and the
label thresholds live in ``model.json`` beside this file, written by
``scripts/fit_match.py`` from the *tune* split of the evaluation data (eval/splits.json),
with a note of what it was fitted on. One file holds several variants (the production
model and the ablations ``make eval`` compares): a variant is a list of feature names.

The features (every one a property of the pair and its candidate pool, none a rule about
one topic):

- ``dense``: cosine of the demand's query vector and the listing's passage vector;
- ``dense_gap``: that cosine minus the best candidate's (≤ 0: how far behind the best);
- ``bm25``: the BM25 relevance relative to the best BM25 candidate (0 when not a BM25
  candidate) — the matcher's ``text`` part;
- ``terms``, ``concepts``, ``domain``, ``ipc``, ``trl``, ``legal_status``, ``recency``,
  ``region``: the landed matcher's parts (search/matching/scoring.py), each in [0, 1].
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

MODEL_FILE = Path(__file__).with_name("model.json")
LABELS = ("high", "good", "fair")  # 高度匹配, 较好匹配, 一般匹配; below "fair": not shown


@dataclass(frozen=True)
class MatchModel:
    name: str
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    # probability thresholds, highest first: label → the lowest probability it takes
    thresholds: Mapping[str, float] = field(default_factory=dict)
    fitted: Mapping[str, object] = field(default_factory=dict)

    def logit(self, values: Mapping[str, float]) -> float:
        z = self.intercept
        for name, mu, sd, w in zip(self.features, self.mean, self.scale, self.coef, strict=True):
            z += w * (float(values.get(name, 0.0)) - mu) / sd
        return z

    def probability(self, values: Mapping[str, float]) -> float:
        return sigmoid(self.logit(values))

    def label(self, probability: float) -> str | None:
        """高度/较好/一般匹配 (high/good/fair), or None: below the lowest threshold, the
        match is not shown."""
        for name in LABELS:
            if name in self.thresholds and probability >= self.thresholds[name]:
                return name
        return None

    def contributions(self, values: Mapping[str, float]) -> dict[str, float]:
        """Each feature's share of the logit (for explanations and debugging)."""
        return {
            name: w * (float(values.get(name, 0.0)) - mu) / sd
            for name, mu, sd, w in zip(self.features, self.mean, self.scale, self.coef, strict=True)
        }

    def as_dict(self) -> dict:
        return {
            "features": list(self.features),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "coef": list(self.coef),
            "intercept": self.intercept,
            "thresholds": dict(self.thresholds),
            "fitted": dict(self.fitted),
        }


def sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def model_from_dict(name: str, data: Mapping) -> MatchModel:
    return MatchModel(
        name=name,
        features=tuple(data["features"]),
        mean=tuple(float(x) for x in data["mean"]),
        scale=tuple(float(x) for x in data["scale"]),
        coef=tuple(float(x) for x in data["coef"]),
        intercept=float(data["intercept"]),
        thresholds={k: float(v) for k, v in (data.get("thresholds") or {}).items()},
        fitted=dict(data.get("fitted") or {}),
    )


@lru_cache(maxsize=4)
def load_models(path: Path = MODEL_FILE) -> dict[str, MatchModel]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {name: model_from_dict(name, v) for name, v in data["variants"].items()}


def load_model(variant: str = "hybrid", path: Path = MODEL_FILE) -> MatchModel:
    return load_models(path)[variant]


# -- fitting (scripts/fit_match.py) ------------------------------------------------------
def fit_logistic(
    x: np.ndarray,
    y: np.ndarray,
    *,
    l2: float = 1.0,
    weights: np.ndarray | None = None,
    iterations: int = 50,
) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression by Newton's method on standardised columns
    (the intercept is not penalised). Returns (coefficients, intercept)."""
    n, k = x.shape
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    a = np.hstack([np.ones((n, 1)), x])
    beta = np.zeros(k + 1)
    penalty = np.full(k + 1, float(l2))
    penalty[0] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(a @ beta)))
        gradient = a.T @ (w * (p - y)) + penalty * beta
        hessian = (a * (w * p * (1 - p))[:, None]).T @ a + np.diag(penalty) + 1e-9 * np.eye(k + 1)
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return beta[1:], float(beta[0])


def standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    return mean, scale


def fit_model(
    name: str,
    features: Sequence[str],
    rows: Sequence[Mapping[str, float]],
    labels: Sequence[int],
    *,
    l2: float = 1.0,
    weights: Sequence[float] | None = None,
    fitted: Mapping[str, object] | None = None,
) -> MatchModel:
    x = np.array([[float(r.get(f, 0.0)) for f in features] for r in rows], dtype=float)
    y = np.asarray(labels, dtype=float)
    mean, scale = standardise(x)
    coef, intercept = fit_logistic(
        (x - mean) / scale,
        y,
        l2=l2,
        weights=None if weights is None else np.asarray(weights, dtype=float),
    )
    return MatchModel(
        name=name,
        features=tuple(features),
        mean=tuple(round(float(v), 6) for v in mean),
        scale=tuple(round(float(v), 6) for v in scale),
        coef=tuple(round(float(v), 6) for v in coef),
        intercept=round(intercept, 6),
        fitted=dict(fitted or {}),
    )
