"""``icontains`` that folds every letter on SQLite too, as PostgreSQL does.

Django's ``icontains`` is ``UPPER(field) LIKE UPPER(%s)`` on PostgreSQL, which folds every letter
of a UTF-8 database (and is what the register's trigram index covers, organisations migration
0004). On SQLite it is plain ``LIKE``, which ignores the case of ASCII letters only: "örtagård"
did not find "Örtagårdens …" and "HÄSSLEHUS" found nothing on the embedded database. Here, on
SQLite only, both sides go through ``portal_upper``: Python's ``str.upper``, registered on each
new SQLite connection (``register_sqlite_functions``, connected in ``CoreConfig.ready``). Other
databases keep Django's own SQL, indexes and all.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Field
from django.db.models.lookups import IContains

SQLITE_UPPER = "portal_upper"


def _upper(value: object) -> object:
    return value.upper() if isinstance(value, str) else value


def register_sqlite_functions(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created`` receiver: the SQLite functions the portal's lookups use."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_UPPER, 1, _upper, deterministic=True)


class UnicodeIContains(IContains):
    def as_sqlite(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        rhs_sql, rhs_params = self.process_rhs(compiler, connection)
        rhs_op = self.get_rhs_op(connection, rhs_sql)
        if rhs_sql == "%s":  # a value: "LIKE %s ESCAPE '\\'"
            rhs_op = rhs_op.replace("%s", f"{SQLITE_UPPER}(%s)", 1)
        else:  # an expression: "LIKE '%%' || UPPER(…) || '%%' ESCAPE '\\'"
            rhs_op = rhs_op.replace("UPPER(", f"{SQLITE_UPPER}(")
        return f"{SQLITE_UPPER}({lhs_sql}) {rhs_op}", [*lhs_params, *rhs_params]


def install() -> None:
    """Make ``icontains`` on every field the folding one (idempotent)."""
    Field.register_lookup(UnicodeIContains, lookup_name="icontains")
