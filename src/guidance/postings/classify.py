"""Posting -> ISCO-08 unit group, with a confidence.

A linear model (one-vs-rest linear SVM) over TF-IDF features of the *folded* text (diacritics removed,
so "Kế toán" and "ke toan" are the same): word 1-2-grams and character 2-5-grams
of the title, plus words of the industry and skills fields at a lower weight.
It is trained on the ``dev`` part of the hand-labelled postings together with
the alias lexicon (``lexicon.py``), so occupations missing from the labels
(drivers, cooks...) can still be named. The 436 ISCO-08 unit-group names can be
added too (``isco_names=True``); that made fitting ~13x slower for no gain in
dev cross-validation (86.8% vs 86.0% at 4 digits, within noise), so it is off.

Confidence is the maximum of a softmax over the SVM scores, calibrated by a
temperature (the one scalar that minimises the log-loss of out-of-fold dev
predictions); the
temperature and the default threshold were chosen on the dev labels by
cross-validation (``benchmarks/postings_eval.py`` prints how) and are fixed
here, so the classifier is deterministic. It is fitted at ingest time: fitting
takes a few seconds, and no pickle has to be shipped or trusted. (A multinomial
logistic regression over the 436 unit groups took ~80 s to fit once, too slow
for an ingest; the SVM takes ~3 s.)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from guidance.postings.lexicon import lexicon_rows
from guidance.reference import occupations
from guidance.text import fold

# Chosen on dev by 5-fold cross-validation (see docs/postings.md).
TEMPERATURE = 0.147
DEFAULT_MIN_CONFIDENCE = 0.43
LABEL_FILE = "labelled_postings.csv"


def load_labels() -> pd.DataFrame:
    """The shipped hand-labelled postings (all splits)."""
    path = resources.files("guidance.postings").joinpath("labels", LABEL_FILE)
    with path.open("rb") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


def _fold_all(values) -> list[str]:
    """fold() over a column; boards repeat industries and skills, so cache."""
    cache: dict[object, str] = {}
    return [cache[v] if v in cache else cache.setdefault(v, fold(v)) for v in values]


def frame(title, industry=None, skills=None) -> pd.DataFrame:
    """The two text inputs of the model, folded."""
    title = _fold_all(list(title))
    n = len(title)
    ind = _fold_all(industry if industry is not None else [""] * n)
    sk = _fold_all(skills if skills is not None else [""] * n)
    return pd.DataFrame(
        {"title": title, "context": [f"{a} | {b}" for a, b in zip(ind, sk, strict=True)]},
        dtype=object,
    )


def _pipeline(C: float):
    # lazy: scikit-learn is heavy to import; only this path needs it
    from sklearn.compose import ColumnTransformer
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import Pipeline
    from sklearn.svm import LinearSVC

    features = ColumnTransformer(
        [
            ("title_words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True), "title"),
            (
                "title_chars",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=1
                ),
                "title",
            ),
            (
                "context_words",
                TfidfVectorizer(ngram_range=(1, 1), sublinear_tf=True, max_features=5000),
                "context",
            ),
        ],
        transformer_weights={"title_words": 1.0, "title_chars": 1.0, "context_words": 0.5},
    )
    return Pipeline([("features", features), ("model", LinearSVC(C=C, random_state=0))])


def training_frame(
    labels: pd.DataFrame, *, lexicon: bool = True, isco_names: bool = True
) -> tuple[pd.DataFrame, np.ndarray]:
    """Model inputs and codes: labelled rows, then lexicon aliases and ISCO names."""
    X = frame(
        labels["title"].tolist(), labels["industry"].tolist(), labels["skills_excerpt"].tolist()
    )
    y = labels["isco_code"].astype(str).tolist()
    extra: list[tuple[str, str]] = []
    if lexicon:
        extra += lexicon_rows()
    if isco_names:
        occ = occupations()
        for code, en, vi in zip(
            occ["occupation_code"], occ["name_en"], occ["name_vi"], strict=True
        ):
            extra.append((str(en), str(code)))
            if isinstance(vi, str) and vi:
                extra.append((vi, str(code)))
    if extra:
        X = pd.concat([X, frame([t for t, _ in extra])], ignore_index=True)
        y += [c for _, c in extra]
    return X, np.asarray(y, dtype=object)


@dataclass
class PostingClassifier:
    """Fit on labelled postings (+ lexicon); predict codes with confidences."""

    C: float = 0.5
    temperature: float = TEMPERATURE
    lexicon: bool = True
    isco_names: bool = False

    def fit(self, labels: pd.DataFrame) -> PostingClassifier:
        X, y = training_frame(labels, lexicon=self.lexicon, isco_names=self.isco_names)
        self.pipeline_ = _pipeline(self.C).fit(X, y)
        self.classes_ = self.pipeline_.classes_
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Temperature-scaled class probabilities."""
        scores = self.pipeline_.decision_function(X) / self.temperature
        scores -= scores.max(axis=1, keepdims=True)
        p = np.exp(scores)
        return p / p.sum(axis=1, keepdims=True)

    def predict(self, title, industry=None, skills=None) -> tuple[np.ndarray, np.ndarray]:
        """(codes, confidences) for a batch of postings."""
        X = frame(title, industry, skills)
        if len(X) == 0:
            return np.array([], dtype=object), np.array([], dtype=float)
        # reposts share their text: score each distinct text once
        key = X["title"] + "\x1f" + X["context"]
        first = ~key.duplicated()
        p = self.predict_proba(X[first.to_numpy()])
        best = p.argmax(axis=1)
        pos = pd.Series(np.arange(int(first.sum())), index=key[first].to_numpy())
        idx = pos.loc[key.to_numpy()].to_numpy()
        return self.classes_[best][idx], p[np.arange(len(p)), best][idx]


@lru_cache(maxsize=1)
def default_classifier() -> PostingClassifier:
    """The classifier used by the ingest: fitted on the shipped dev labels."""
    labels = load_labels()
    return PostingClassifier().fit(labels[labels["split"] == "dev"])
