"""SQL expressions that read the same on SQLite and PostgreSQL."""
from __future__ import annotations

from sqlalchemy import BigInteger, Integer, case, cast, func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class epoch_seconds(FunctionElement):
    """Whole seconds since 1970-01-01 UTC of a UTCDateTime column, as an integer."""

    type = BigInteger()
    name = "epoch_seconds"
    inherit_cache = True


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element, compiler, **kw):
    # Stored as naive UTC text; strftime('%s') reads it as UTC.
    (arg,) = element.clauses
    return compiler.process(cast(func.strftime("%s", arg), Integer), **kw)


@compiles(epoch_seconds, "postgresql")
def _epoch_postgresql(element, compiler, **kw):
    (arg,) = element.clauses
    return f"CAST(floor(extract(epoch FROM {compiler.process(arg, **kw)})) AS BIGINT)"


def greatest(a, b):
    return case((a > b, a), else_=b)


def least(a, b):
    return case((a < b, a), else_=b)
