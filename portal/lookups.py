"""``field__any_of=values``: membership in a long list of values.

The same rows as ``__in``. On PostgreSQL the list travels as one array parameter
(``= ANY(%s)``) instead of one placeholder per value: the re-evaluation pipeline asks
for a thousand ids at a time, and psycopg quotes and splits every placeholder of a
statement on the client.
"""

from django.db.models import Field, ForeignObject
from django.db.models.lookups import In


@ForeignObject.register_lookup
@Field.register_lookup
class AnyOf(In):
    """Values, not model instances, also for a foreign key (``declaration_id__any_of``)."""

    lookup_name = "any_of"

    def get_prep_lookup(self):
        # Plain values are taken as given (ids, codes): preparing each one, as ``__in``
        # does, costs more than the query for a few thousand.
        if isinstance(self.rhs, list | tuple | set | frozenset):
            return [value for value in self.rhs if value is not None]
        return super().get_prep_lookup()

    def as_postgresql(self, compiler, connection):
        if not isinstance(self.rhs, list | tuple | set | frozenset):
            return self.as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", (*lhs_params, self.rhs)
