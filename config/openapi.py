"""The OpenAPI schema documents the errors every endpoint can answer, not only its success.

drf-spectacular documents the 200/201/204 of each operation; clients (and schemathesis, which
fuzzes the API against this schema in CI) also need the refusals the shared API base gives on every
route: 403 for a role that may not act, 404 for an id that does not exist *or belongs to another
vendor* (the two are indistinguishable on purpose), 400 for invalid input or filters, 404 for a
page past the end, 415 for a body of a type the endpoint does not parse and 429 when throttled.
An operation's own ``@extend_schema(responses=...)`` still wins for the codes it names.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent

ERROR_DETAIL = ResolvedComponent(
    name="ErrorDetail",
    type=ResolvedComponent.SCHEMA,
    object="ErrorDetail",
    schema={
        "type": "object",
        "description": "A refusal: why the request was not served.",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
)
VALIDATION_ERRORS = ResolvedComponent(
    name="ValidationErrors",
    type=ResolvedComponent.SCHEMA,
    object="ValidationErrors",
    schema={
        "description": (
            "Invalid input: each key is a field name (``non_field_errors`` for the request as a "
            "whole) and its value the messages for that field; ``detail`` when the body could "
            "not be parsed at all; a plain list of messages when no field is to blame (a search "
            "term with a null character, for example)."
        ),
        "oneOf": [
            {"type": "object", "additionalProperties": {}},
            {"type": "array", "items": {"type": "string"}},
        ],
    },
)

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH"})


class TenderleafAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code, description, component in self._error_responses():
            if code in responses:
                continue
            self.registry.register_on_missing(component)
            responses[code] = {
                "description": description,
                "content": {"application/json": {"schema": component.ref}},
            }
        return responses

    def _error_responses(self):
        is_detail = "{" in self.path
        if self.method in WRITE_METHODS:
            yield "400", "Invalid input.", VALIDATION_ERRORS
        elif self.method == "GET" and self._takes_query_parameters(is_detail):
            yield "400", "An invalid query parameter (a filter, for example).", VALIDATION_ERRORS
        if self.get_auth():
            yield "403", "Not signed in, or not allowed for your role.", ERROR_DETAIL
        if is_detail:
            yield (
                "404",
                "No such object, or one of another vendor (the answer is the same).",
                ERROR_DETAIL,
            )
        elif self.method == "GET" and self._is_list_view() and self._get_paginator():
            yield "404", "A page past the last one.", ERROR_DETAIL
        if self.method in WRITE_METHODS:
            yield "415", "A body of a media type this endpoint does not accept.", ERROR_DETAIL
        if getattr(self.view, "throttle_classes", ()):
            yield "429", "Too many requests: try again later.", ERROR_DETAIL

    def _takes_query_parameters(self, is_detail: bool) -> bool:
        if not is_detail and getattr(self.view, "filter_backends", ()):
            return True
        return any(parameter.get("in") == "query" for parameter in self._get_parameters())
