"""`field__among=values`: membership in a long list, sent as one parameter.

Blocks and batches hold thousands of transactions. Django's `__in` prepares and binds one
parameter per value, which at 5,000 values cost more than the query itself (a third of a
worker's time on PostgreSQL). `__among` hands the database the whole list at once: an array
on PostgreSQL (`= ANY(%s)`), a JSON array on SQLite (`IN (SELECT value FROM json_each(%s))`).
Values must be strings or integers, as the columns compared with them are.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.db import NotSupportedError
from django.db.models import Field, Lookup


@Field.register_lookup
class Among(Lookup):
    lookup_name = "among"
    prepare_rhs = False  # the list goes to the database as it is

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, params = self.process_lhs(compiler, connection)
        values = list(self.rhs) if isinstance(self.rhs, Iterable) else [self.rhs]
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*params, values]
        if connection.vendor == "sqlite":
            return f"{lhs} IN (SELECT value FROM json_each(%s))", [*params, json.dumps(values)]
        raise NotSupportedError(f"__among is not implemented for {connection.vendor}")
