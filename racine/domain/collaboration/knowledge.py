"""Knowledge base: search and relate articles by text, lexically and semantically.

Ranking is local (no model download): TF-IDF cosine similarity for the words
themselves, plus latent semantic analysis (TruncatedSVD over the TF-IDF matrix)
so that an article using related vocabulary still ranks. The two scores are
blended; a lexical match is required unless the query has no hit at all.
This is CPU work: callers run :func:`rank` off the event loop for large corpora.
scikit-learn is imported on first use, not with the module: it is ~2 s of a server's
start-up, and most processes (workers, the CLI) never rank articles.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

__all__ = ["OFFLOAD_ABOVE", "Scored", "rank", "related"]

OFFLOAD_ABOVE = 200  # articles: above this, rank in a worker thread
LEXICAL_WEIGHT = 0.6
MAX_COMPONENTS = 100


@dataclass(frozen=True)
class Scored:
    index: int
    score: float
    lexical: float
    semantic: float


def _model(
    texts: Sequence[str],
) -> tuple[TfidfVectorizer, np.ndarray, TruncatedSVD | None, np.ndarray | None]:
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(
        sublinear_tf=True, ngram_range=(1, 2), min_df=1, stop_words="english"
    )
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # empty vocabulary
        return vectorizer, np.zeros((len(texts), 0)), None, None
    components = min(MAX_COMPONENTS, matrix.shape[0] - 1, matrix.shape[1] - 1)
    if components < 1:
        return vectorizer, matrix, None, None
    svd = TruncatedSVD(n_components=components, random_state=0)
    latent = svd.fit_transform(matrix)
    latent /= np.maximum(np.linalg.norm(latent, axis=1, keepdims=True), 1e-12)
    return vectorizer, matrix, svd, latent


def rank(texts: Sequence[str], query: str, limit: int) -> list[Scored]:
    """Articles (by index in ``texts``) ranked for ``query``, best first."""
    if not texts or not query.strip():
        return []
    vectorizer, matrix, svd, latent = _model(texts)
    if matrix.shape[1] == 0:
        return []
    q = vectorizer.transform([query])
    lexical = np.asarray((matrix @ q.T).todense()).ravel()
    semantic = np.zeros(len(texts))
    if svd is not None and latent is not None and q.nnz:
        ql = svd.transform(q)[0]
        norm = np.linalg.norm(ql)
        if norm > 0:
            semantic = np.clip(latent @ (ql / norm), 0.0, 1.0)
    words = [w for w in query.lower().split() if w]
    raw = [t.lower() for t in texts]
    substring = np.array([1.0 if any(w in t for w in words) else 0.0 for t in raw])
    score = LEXICAL_WEIGHT * np.maximum(lexical, 0.3 * substring) + (1 - LEXICAL_WEIGHT) * semantic
    hits = [i for i in np.argsort(-score) if lexical[i] > 0 or substring[i] > 0]
    return [
        Scored(int(i), float(score[i]), float(lexical[i]), float(semantic[i])) for i in hits[:limit]
    ]


def related(texts: Sequence[str], index: int, limit: int) -> list[Scored]:
    """Articles closest to ``texts[index]`` in the latent space (itself excluded)."""
    if len(texts) < 2:
        return []
    _, matrix, _, latent = _model(texts)
    if latent is None:
        if matrix.shape[1] == 0:
            return []
        sims = np.asarray((matrix @ matrix[index].T).todense()).ravel()
    else:
        sims = latent @ latent[index]
    order = [i for i in np.argsort(-sims) if i != index and sims[i] > 0]
    return [Scored(int(i), float(sims[i]), 0.0, float(sims[i])) for i in order[:limit]]
