"""Counting calls in a fixed window, in the database (decision 0034): a person's calls
across all their tokens, and an address's failed bearer attempts. One statement bumps the
count and returns it, so every process and app server sees the same count; SQLite and
PostgreSQL both run it (INSERT … ON CONFLICT … RETURNING)."""

import re
import time
from dataclasses import dataclass

from django.db import connection, transaction

from .models import RateCount

_RATE = re.compile(r"^(\d+)/(s|m|h)$")
_SECONDS = {"s": 1, "m": 60, "h": 3600}


def _bump_statement() -> str:
    table, key, window, count = map(
        connection.ops.quote_name, (RateCount._meta.db_table, "key", "window", "count")
    )
    return (
        f"INSERT INTO {table} ({key}, {window}, {count}) VALUES (%s, %s, 1) "  # noqa: S608 - names, not input
        f"ON CONFLICT ({key}) DO UPDATE SET {count} = CASE WHEN {table}.{window} = "
        f"excluded.{window} THEN {table}.{count} + 1 ELSE 1 END, {window} = excluded.{window} "
        f"RETURNING {count}"
    )


@dataclass(frozen=True)
class Rate:
    """`calls` in each window of `seconds`, parsed from "300/m"."""

    calls: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> "Rate":
        found = _RATE.match(text.strip())
        if found is None:
            raise ValueError(f"a rate is calls/s, /m or /h, not {text!r}")
        return cls(calls=int(found.group(1)), seconds=_SECONDS[found.group(2)])

    def window(self, now: float) -> int:
        return int(now // self.seconds)

    def retry_after(self, now: float) -> int:
        """Whole seconds until the window ends (at least one)."""
        return max(1, int((self.window(now) + 1) * self.seconds - now))


def _bump_in(key: str, window: int, *, fast_commit: bool) -> int:
    with connection.cursor() as cursor:
        if fast_commit:
            # A count lost in a crash costs nothing: its commit need not wait for the disk
            # (3.8 ms a call otherwise, on the benchmark's machine).
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        cursor.execute(_bump_statement(), [key, window])
        (count,) = cursor.fetchone()
    return int(count)


def bump(kind: str, ident: str, rate: Rate) -> tuple[int, int]:
    """Count one more call of `ident` (a person, an address) in the current window: the count
    now, and the seconds until the window ends. The first call of a window also clears the
    keys of this kind idle since the window before, so the table holds only those in use."""
    now = time.time()
    window = rate.window(now)
    key = f"{kind}:{ident}"
    if connection.in_atomic_block:
        # Inside a caller's transaction: counted in it (a commit that does not wait for the
        # disk would reach the caller's writes too).
        count = _bump_in(key, window, fast_commit=False)
    else:
        with transaction.atomic():
            count = _bump_in(key, window, fast_commit=connection.vendor == "postgresql")
    if count == 1:
        RateCount.objects.filter(key__startswith=f"{kind}:", window__lt=window - 1).delete()
    return count, rate.retry_after(now)


def count_of(kind: str, ident: str, rate: Rate) -> tuple[int, int]:
    """The calls of `ident` counted in the current window, without counting one, and the
    seconds until the window ends."""
    now = time.time()
    found = RateCount.objects.filter(key=f"{kind}:{ident}", window=rate.window(now)).values_list(
        "count", flat=True
    )
    return next(iter(found), 0), rate.retry_after(now)
