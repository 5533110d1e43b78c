"""One viewset for /api/v1/declarations/: citizens create and look up, staff list,
read and follow up. Each side lives in its own module; this only composes them."""

from rest_framework import viewsets

from policies.api.parsers import LocalisedJSONParser
from travellers.api.citizen import CitizenDeclarationMixin
from travellers.api.staff import StaffDeclarationMixin


class DeclarationViewSet(CitizenDeclarationMixin, StaffDeclarationMixin, viewsets.GenericViewSet):
    lookup_field = "reference"
    # JSON only, as the evaluate endpoint: a form-encoded body read as every field
    # missing, and the schema offered form and multipart bodies no request could pass.
    parser_classes = (LocalisedJSONParser,)
