"""The strong, standard baseline for sentiment: TF-IDF n-grams and logistic regression, tuned on validation.

English: word 1–2-grams and character 2–5-grams (within words); Chinese: character 1–3-grams, which stand in
for words without segmenting. The regularisation C is the one with the best validation accuracy. This is what a
recurrent network has to beat to be worth its cost (Wang & Manning 2012 found such n-gram models hard to beat
on short sentiment texts).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

C_GRID = (0.3, 1.0, 3.0, 10.0, 30.0)  # logistic regression's inverse regularisation, tried on validation
DEFAULT_C = 10.0  # without validation texts (the toy set)
FEW_TEXTS = 50  # below this, n-grams seen once are kept (the toy set has three sentences)


def features(language: str, n_texts: int):
    """The TF-IDF vectoriser for ``language`` ("en" or "zh"): a scikit-learn transformer, texts → (N, F) sparse."""
    from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: PLC0415  (sklearn loads in about 1 s)
    from sklearn.pipeline import make_union  # noqa: PLC0415

    min_df = 1 if n_texts < FEW_TEXTS else 2
    if language == "zh":
        return TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
    return make_union(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w[\w']*\b"),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=min_df),
    )


@dataclass
class TfidfBaseline:
    """A fitted vectoriser and logistic regression; ``C`` as chosen on validation, with that accuracy."""

    vectorizer: object
    model: object
    C: float
    val_accuracy: float | None
    description: str

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """p(positive) for each text, (N,)."""
        if not len(texts):
            return np.zeros(0)
        return self.model.predict_proba(self.vectorizer.transform(list(texts)))[:, 1]


def fit_baseline(
    train_texts: Sequence[str],
    y_train: np.ndarray,
    val_texts: Sequence[str],
    y_val: np.ndarray,
    language: str,
    seed: int = 0,
) -> TfidfBaseline:
    """TF-IDF fitted on the training texts; C picked from ``C_GRID`` by validation accuracy (ties: the smaller)."""
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415

    vectorizer = features(language, len(train_texts))
    X_train = vectorizer.fit_transform(list(train_texts))
    y_train = np.asarray(y_train).astype(int)

    def fit(C: float):
        return LogisticRegression(C=C, solver="liblinear", max_iter=1000, random_state=seed).fit(X_train, y_train)

    description = "TF-IDF character 1–3-grams" if language == "zh" else "TF-IDF word 1–2-grams and character 2–5-grams"
    if not len(val_texts):
        return TfidfBaseline(vectorizer, fit(DEFAULT_C), DEFAULT_C, None, description)
    X_val, y_val = vectorizer.transform(list(val_texts)), np.asarray(y_val).astype(int)
    best = None
    for C in C_GRID:
        model = fit(C)
        accuracy = float((model.predict(X_val) == y_val).mean())
        if best is None or accuracy > best[1]:
            best = (model, accuracy, C)
    model, accuracy, C = best
    return TfidfBaseline(vectorizer, model, C, accuracy, description)
