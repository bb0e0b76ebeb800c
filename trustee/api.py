"""The trustee command's side of the server's API (/api/trustee/...): plain HTTP with the
trustee's own bearer token. Every answer that is not a success becomes a TrusteeError with the
server's `detail`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import requests

from trustee import TrusteeError

TIMEOUT = (5.0, 120.0)


@dataclass
class TrusteeApi:
    server: str
    token: str
    election_id: int
    session: requests.Session = field(default_factory=requests.Session)

    @classmethod
    def log_in(cls, server: str, email: str, password: str, election_id: int) -> TrusteeApi:
        """A token from e-mail and password (POST /api/auth/login)."""
        api = cls(server.rstrip("/"), "", election_id)
        body = api._call("POST", "/api/auth/login", {"email": email, "password": password})
        api.token = body["access_token"]
        return api

    def _path(self, what: str) -> str:
        return f"/api/trustee/elections/{self.election_id}/{what}"

    def ceremony(self) -> dict[str, Any]:
        return self._call("GET", self._path("ceremony"))

    def publish_encryption_key(self, ceremony_id: str, key: str) -> None:
        self._call(
            "POST",
            self._path("encryption-key"),
            {"ceremony_id": ceremony_id, "encryption_key": key},
        )

    def publish_dealing(
        self,
        ceremony_id: str,
        commitment: dict[str, Any],
        envelopes: dict[int, str],
        sealed_to: dict[int, str],
    ) -> None:
        """`sealed_to` names the key each envelope was sealed to, so a key that changed since
        (a replaced trustee) gets no envelope it cannot open."""
        body = {
            "ceremony_id": ceremony_id,
            "commitment": commitment,
            "envelopes": [
                {"recipient": r, "recipient_key": sealed_to[r], "envelope": e}
                for r, e in sorted(envelopes.items())
            ],
        }
        self._call("POST", self._path("dealing"), body)

    def report_share_check(
        self, ceremony_id: str, commitments_hash: str, complaints: list[tuple[int, str]]
    ) -> None:
        body = {
            "ceremony_id": ceremony_id,
            "commitments_hash": commitments_hash,
            "complaints": [{"dealer": d, "reason": r} for d, r in complaints],
        }
        self._call("POST", self._path("share-check"), body)

    def tally(self) -> dict[str, Any]:
        return self._call("GET", self._path("tally"))

    def publish_partial_decryption(self, partial: dict[str, Any]) -> dict[str, Any]:
        return self._call("POST", self._path("partial-decryption"), {"partial_decryption": partial})

    def _call(self, method: str, path: str, body: object = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            response = self.session.request(
                method, self.server + path, json=body, headers=headers, timeout=TIMEOUT
            )
        except requests.RequestException as exc:
            raise TrusteeError(f"cannot reach {self.server}: {exc}") from None
        try:
            answer = response.json() if response.content else {}
        except ValueError:
            answer = {}
        if not response.ok:
            detail = answer.get("detail") if isinstance(answer, dict) else None
            raise TrusteeError(
                f"the server refused ({response.status_code}): {detail or response.reason}"
            )
        if not isinstance(answer, dict):
            raise TrusteeError(f"the server's answer to {path} is not a JSON object")
        return answer
