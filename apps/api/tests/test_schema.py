"""GET /api/schema/ (OpenAPI) and /api/docs/ (Swagger UI): open to anyone."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    "/api/auth/login/": {"post"},
    "/api/auth/logout/": {"post"},
    "/api/auth/profile/": {"get"},
    "/api/elections/": {"get", "post"},
    "/api/elections/active/": {"get"},
    "/api/elections/{id}/": {"get"},
    "/api/elections/{id}/voters/": {"post"},
    "/api/elections/{id}/invitations/": {"post"},
    "/api/elections/{id}/reminders/": {"get", "post"},
    "/api/elections/{id}/copy/": {"post"},
    "/api/elections/{id}/open/": {"post"},
    "/api/elections/{id}/close/": {"post"},
    "/api/elections/{id}/tally/": {"post"},
    "/api/elections/{id}/trustees/": {"post"},
    "/api/elections/{id}/ceremony/": {"get"},
    "/api/elections/{id}/start-ceremony/": {"post"},
    "/api/elections/{id}/restart-ceremony/": {"post"},
    "/api/elections/{id}/replace-trustee/": {"post"},
    "/api/jobs/{job_id}/": {"get"},
    "/api/trustee/elections/": {"get"},
    "/api/trustee/elections/{election_id}/ceremony/": {"get"},
    "/api/trustee/elections/{election_id}/encryption-key/": {"post"},
    "/api/trustee/elections/{election_id}/dealing/": {"post"},
    "/api/trustee/elections/{election_id}/share-check/": {"post"},
    "/api/trustee/elections/{election_id}/tally/": {"get"},
    "/api/trustee/elections/{election_id}/partial-decryption/": {"post"},
    "/api/votes/public-keys/": {"get"},
    "/api/votes/check/": {"get"},
    "/api/votes/history/": {"get"},
    "/api/votes/submit/": {"post"},
    "/api/votes/spoil/": {"post"},
    "/api/votes/transaction-status/": {"get"},
    "/api/votes/results/": {"get"},
    "/api/votes/verify-blockchain/": {"post"},
    "/api/admin/validators/health/": {"get"},
    "/api/admin/validators/refresh-status/": {"post"},
    "/health": {"get"},
}


def test_the_schema_describes_every_endpoint(client: Client) -> None:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert {path: set(ops) for path, ops in schema["paths"].items()} == ENDPOINTS
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
    }


def test_the_docs_page_renders(client: Client) -> None:
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()


def test_a_body_of_one_of_several_forms_is_required(client: Client) -> None:
    """An empty POST to these is a 400, so the schema must not call their body optional."""
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    paths = response.json()["paths"]
    for path in ("/api/elections/", "/api/votes/submit/"):
        assert paths[path]["post"]["requestBody"]["required"] is True, path
    assert "required" not in paths["/api/elections/{id}/invitations/"]["post"]["requestBody"]
