"""Admin lists filtered only by what their filters offer.

Django's admin accepts any lookup on a model's own fields from the URL. On a list that
shows names and emails masked, ``?full_name__startswith=王小`` answered whether such a
person had declared, one guess at a time, and wrote each guess to the access log; the
CSV export reads the same parameters. A list here takes the lookups of its own filters
and date hierarchy, and refuses every other one (Django answers the refusal as a bad
request).
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models.constants import LOOKUP_SEP


class FilterLookupsOnly:
    def lookup_allowed(self, lookup, value, request=None):
        return lookup.split(LOOKUP_SEP, 1)[0] in self._filterable(request)

    def _filterable(self, request) -> set[str]:
        names = {self.date_hierarchy} if self.date_hierarchy else set()
        for item in self.get_list_filter(request):
            if isinstance(item, type) and issubclass(item, admin.SimpleListFilter):
                names.add(item.parameter_name)
            elif isinstance(item, (list, tuple)):
                names.add(item[0].split(LOOKUP_SEP, 1)[0])
            else:
                names.add(item.split(LOOKUP_SEP, 1)[0])
        return names
