"""What the OpenAPI schema says beyond what each view declares: every error answer.

Every error is JSON `{detail, code}` (apps.api.errors), with `errors` naming each field for a
validation error. This hook declares, on every operation, the error statuses any API view can
answer, so the schema is the whole contract an integrator codes against:

- 400 the request does not match the schema (or a ballot or proof fails its cryptographic
  check, which no schema can express);
- 401 no valid bearer token; 403 not allowed (not staff with the permission, not on the roll,
  not a trustee); 404 no such election or resource;
- 409 the state forbids it now (the election is not open, the voter already voted, the
  ceremony changed...); 413 the body is too large; 422 the request matches the schema but
  cannot be carried out as asked (a threshold above the number of trustees, say);
- 429 too many attempts (log-in); 503 the validators cannot be read (tally).
"""

from __future__ import annotations

from typing import Any

ERROR_STATUSES = {
    "400": "The request does not match the schema, or a ballot or proof does not verify.",
    "401": "No valid bearer token.",
    "403": "Not allowed.",
    "404": "No such election or resource.",
    "409": "The state of the election or ceremony forbids this now.",
    "413": "The request body is too large.",
    "422": "The request matches the schema but cannot be carried out as asked.",
    "429": "Too many attempts: wait and try again.",
    "503": "The validator network cannot be read now.",
}

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "detail": {"type": "string", "description": "what went wrong, for a person"},
        "code": {"type": "string", "description": "what went wrong, for a program"},
        "errors": {
            "description": "validation errors by field, or by item of a list (400 only)",
        },
    },
    "required": ["detail", "code"],
}


def declare_error_answers(result: dict[str, Any], **_: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: add the Error component and every error status
    to every operation under /api/ that does not declare it already."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    schemas = result["components"]["schemas"]
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/"):
            continue
        for operation in operations.values():
            _require_polymorphic_body(operation, schemas)
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_STATUSES.items():
                responses.setdefault(status, {"description": description, "content": reference})
    return result


def _require_polymorphic_body(operation: dict[str, Any], schemas: dict[str, Any]) -> None:
    """drf-spectacular leaves a body made of one of several serializers (creating an election
    with candidates or with contests; the ways to vote) optional; such a body is required."""
    body = operation.get("requestBody")
    if not body:
        return
    for content in body.get("content", {}).values():
        reference = content.get("schema", {}).get("$ref", "")
        if "oneOf" in schemas.get(reference.rsplit("/", 1)[-1], {}):
            body["required"] = True
