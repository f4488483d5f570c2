"""Keyset pages for the API's lists: a position is the id of the last row a caller was
given, and the next page is the rows after it in id order (or before it, newest first).
Rows added between two pages come after the ones given (or, newest first, before them), so
a caller walking a list neither sees a row twice nor misses one that was there. The pages
of the site keep their own order and page numbers; both go through `page_of`."""

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet


@dataclass(frozen=True)
class After:
    """The rows after this id in id order (`newest_first`: before it, in reverse), from
    the start when the id is None."""

    id: int | None = None
    newest_first: bool = False


def page_of(queryset: QuerySet[Any], size: int, position: str | After | None) -> Page:
    """A page number (a site's page) or a keyset position (the API's): one query either
    way, plus the page's count for a page number."""
    if not isinstance(position, After):
        return Paginator(queryset, size).get_page(position)
    rows = queryset.order_by("-id" if position.newest_first else "id")
    if position.id is not None:
        rows = (
            rows.filter(id__lt=position.id)
            if position.newest_first
            else rows.filter(id__gt=position.id)
        )
    found = list(rows[: size + 1])  # one more than a page says whether there is a next
    return Paginator(found, size).page(1)
