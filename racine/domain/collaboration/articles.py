"""Knowledge-base use cases: search articles the caller may see; related articles."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from racine.domain.access.model import Principal
from racine.domain.collaboration import knowledge
from racine.domain.collaboration.documents import visible_workspace_ids
from racine.domain.collaboration.membership import document_access
from racine.domain.collaboration.model import Document
from racine.domain.collaboration.ports import CollabUnitOfWork as UnitOfWork
from racine.domain.errors import LimitExceeded, ValidationFailed

__all__ = ["CORPUS_LIMIT", "ArticleHit", "related_articles", "search_articles"]

CORPUS_LIMIT = 5000  # most recently updated articles considered per search


@dataclass(frozen=True)
class ArticleHit:
    article: Document
    score: float
    lexical: float
    semantic: float


def _texts(articles: list[Document]) -> list[str]:
    return [f"{a.title}\n{a.title}\n{a.text}" for a in articles]


async def _run(
    fn: Callable[..., list[knowledge.Scored]], *args: object, size: int
) -> list[knowledge.Scored]:
    """CPU work: in a worker thread once the corpus is large (keeps the loop free)."""
    if size > knowledge.OFFLOAD_ABOVE:
        return await asyncio.to_thread(fn, *args)
    return fn(*args)


async def search_articles(
    uow: UnitOfWork, actor: Principal, query: str, first: int = 20
) -> list[ArticleHit]:
    """Articles in the caller's workspaces ranked for ``query`` (≤ 100 hits)."""
    if not 1 <= first <= 100:
        raise LimitExceeded("first must be between 1 and 100", field="first")
    if not query.strip() or len(query) > 500:
        raise ValidationFailed("query must be 1-500 characters", field="query")
    async with uow:
        scope = await visible_workspace_ids(uow, actor)
        articles = await uow.documents.articles(scope, CORPUS_LIMIT)
    scored = await _run(knowledge.rank, _texts(articles), query, first, size=len(articles))
    return [ArticleHit(articles[s.index], s.score, s.lexical, s.semantic) for s in scored]


async def related_articles(
    uow: UnitOfWork, actor: Principal, article_id: uuid.UUID, first: int = 5
) -> list[ArticleHit]:
    """Visible articles closest in meaning to this one (≤ 20)."""
    first = max(1, min(first, 20))
    async with uow:
        await document_access(uow, actor, article_id, field="id")
        scope = await visible_workspace_ids(uow, actor)
        articles = await uow.documents.articles(scope, CORPUS_LIMIT)
    index = next((i for i, a in enumerate(articles) if a.id == article_id), None)
    if index is None:
        return []
    scored = await _run(knowledge.related, _texts(articles), index, first, size=len(articles))
    return [ArticleHit(articles[s.index], s.score, s.lexical, s.semantic) for s in scored]
