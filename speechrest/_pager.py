"""``AsyncPager``: lazy iteration over the service's ``@nextLink`` paging."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from typing import Generic, TypeVar

import attrs

from ._logging import redact_url
from .errors import InvalidArgumentError, ResponseParseError

T = TypeVar("T")

__all__ = ["AsyncPager", "Page"]


@attrs.frozen
class Page(Generic[T]):
    """One page: its items and the link to the next page (``None`` on the last)."""

    items: list[T]
    next_link: str | None


# Fetches a page: None asks for the first page, a string is a next link to follow as given.
PageFetcher = Callable[[str | None], Awaitable[Page[T]]]


class AsyncPager(Generic[T]):
    """The items of a list operation, fetched a page at a time as they are consumed.

    ``async for item in pager`` yields items; ``pager.pages()`` yields ``Page`` objects;
    ``await pager.to_list()`` collects. ``max_items`` stops after that many items.
    Nothing is requested until iteration starts, and each iteration starts afresh. A next link
    already followed in this iteration raises ``ResponseParseError``: the pages would go round forever.
    """

    __slots__ = ("_fetch", "_max_items")

    def __init__(self, fetch: PageFetcher[T], *, max_items: int | None = None) -> None:
        if max_items is not None and (not isinstance(max_items, int) or isinstance(max_items, bool) or max_items < 0):
            raise InvalidArgumentError(f"max_items must be a whole number >= 0, got {max_items!r}")
        self._fetch = fetch
        self._max_items = max_items

    def __aiter__(self) -> AsyncIterator[T]:
        return self._items()

    async def _items(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for item in page.items:
                yield item

    async def pages(self, continuation_token: str | None = None) -> AsyncGenerator[Page[T], None]:
        """Pages in order, starting at ``continuation_token`` (a ``next_link``) if given."""
        remaining = self._max_items
        link = continuation_token
        followed: set[str] = set()
        while remaining is None or remaining > 0:
            if link is not None:
                if link in followed:
                    raise ResponseParseError(
                        f"the service sent the next link {redact_url(link)} a second time; not followed again "
                        "(its pages would go round forever)"
                    )
                followed.add(link)
            page = await self._fetch(link)
            if remaining is not None:
                if len(page.items) >= remaining:
                    yield Page(page.items[:remaining], page.next_link)
                    return
                remaining -= len(page.items)
            yield page
            if not page.next_link:
                return
            link = page.next_link

    async def to_list(self) -> list[T]:
        """Every item (up to ``max_items``) in a list."""
        return [item async for item in self]

    def __repr__(self) -> str:
        return f"<AsyncPager max_items={self._max_items}>"
