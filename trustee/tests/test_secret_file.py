"""The trustee's secret file: encrypted under a passphrase, mode 0600, and every way of
opening it wrongly is one clear error."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from trustee import TrusteeError
from trustee.secret_file import TrusteeSecrets, read_header, read_secrets, write_secrets

SECRETS = TrusteeSecrets(
    election_id=7,
    election_hash="ab" * 32,
    ceremony_id="c" * 32,
    trustee=2,
    encryption_key="11" * 32,
    polynomial=("22" * 32, "33" * 32),
    share="44" * 32,
)
PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def written(tmp_path: Path) -> Path:
    path = tmp_path / "trustee-2.secret"
    write_secrets(path, SECRETS, PASSPHRASE)
    return path


def test_it_reads_back_what_was_written_and_only_its_owner_may_read_it(written: Path) -> None:
    assert read_secrets(written, PASSPHRASE) == SECRETS
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert read_header(written)["election_hash"] == "ab" * 32


def test_no_secret_is_in_the_file_in_the_clear(written: Path) -> None:
    text = written.read_text()
    for secret in (SECRETS.encryption_key, SECRETS.share, *SECRETS.polynomial):
        assert secret not in text


def test_a_wrong_passphrase_says_so(written: Path) -> None:
    with pytest.raises(TrusteeError, match=r"^wrong passphrase for .*trustee-2.secret$"):
        read_secrets(written, "not the passphrase")


def test_an_altered_ciphertext_is_called_altered(written: Path) -> None:
    document = json.loads(written.read_text())
    document["ciphertext"] = ("0" if document["ciphertext"][0] != "0" else "1") + document[
        "ciphertext"
    ][1:]
    written.write_text(json.dumps(document))
    with pytest.raises(TrusteeError, match="has been altered"):
        read_secrets(written, PASSPHRASE)


@pytest.mark.parametrize(
    "field, value", [("election_hash", "cd" * 32), ("trustee", 3), ("election_id", 8)]
)
def test_a_header_edited_to_pass_for_another_election_or_trustee_is_called_altered(
    written: Path, field: str, value: object
) -> None:
    document = json.loads(written.read_text())
    document[field] = value
    written.write_text(json.dumps(document))
    with pytest.raises(TrusteeError, match="has been altered"):
        read_secrets(written, PASSPHRASE)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"not json", "is not a trustee secret file"),
        (b'{"format": "something else"}', "is not a trustee secret file"),
        (b'{"format": "evoting-trustee-secret/v1"}', "header is incomplete"),
    ],
)
def test_a_file_that_is_not_a_secret_file_says_so(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "other"
    path.write_bytes(content)
    with pytest.raises(TrusteeError, match=message):
        read_secrets(path, PASSPHRASE)


def test_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(TrusteeError, match="no secret file at"):
        read_secrets(tmp_path / "nothing", PASSPHRASE)


def test_damaged_key_derivation_parameters_are_refused(written: Path) -> None:
    document = json.loads(written.read_text())
    document["kdf"]["n"] = 2**40  # would take forever and all the memory
    written.write_text(json.dumps(document))
    with pytest.raises(TrusteeError, match="is damaged"):
        read_secrets(written, PASSPHRASE)


def test_a_short_passphrase_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TrusteeError, match="at least 8 characters"):
        write_secrets(tmp_path / "f", SECRETS, "short")
