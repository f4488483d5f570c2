"""PostgreSQL as the test suite uses it: the production backend, except that emptying the
tables after a transactional test (pytest-django's flush, a TRUNCATE) runs with
session_replication_role = replica, so that the audit tables' TRUNCATE triggers let the
suite through. Only a superuser may set that — the suite connects as one; the
application's production role cannot (docs/decisions/0018-audit-checkpoints.md)."""

from typing import Any

from django.db.backends.postgresql import base, operations


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, *args: Any, **kwargs: Any) -> list[str]:
        statements = super().sql_flush(*args, **kwargs)
        if not statements:
            return statements
        # SET LOCAL: for the flush's own transaction only (execute_sql_flush runs atomic).
        return ["SET LOCAL session_replication_role = replica", *statements]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
