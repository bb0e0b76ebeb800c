"""Share envelopes: only the addressed trustee opens them, and only for that address."""

from __future__ import annotations

import pytest

from trustee import TrusteeError
from trustee.envelope import (
    ShareAddress,
    check_public_key_hex,
    new_encryption_key,
    open_share,
    public_key_hex,
    seal_share,
)

HASH = "ab" * 32
ADDRESS = ShareAddress(HASH, dealer=1, recipient=2)
SHARE = 2**255 + 12345


def test_the_recipient_opens_its_share() -> None:
    key = new_encryption_key()
    envelope = seal_share(public_key_hex(key), SHARE, ADDRESS)
    assert open_share(key, envelope, ADDRESS) == SHARE
    assert str(SHARE) not in envelope and format(SHARE, "x") not in envelope


def test_two_envelopes_of_one_share_differ() -> None:
    key = public_key_hex(new_encryption_key())
    assert seal_share(key, SHARE, ADDRESS) != seal_share(key, SHARE, ADDRESS)


def test_another_trustee_cannot_open_it() -> None:
    envelope = seal_share(public_key_hex(new_encryption_key()), SHARE, ADDRESS)
    with pytest.raises(TrusteeError, match="does not open with this trustee's key"):
        open_share(new_encryption_key(), envelope, ADDRESS)


@pytest.mark.parametrize(
    "moved",
    [
        ShareAddress("cd" * 32, 1, 2),
        ShareAddress(HASH, 3, 2),
        ShareAddress(HASH, 1, 3),
    ],
)
def test_an_envelope_moved_to_another_address_does_not_open(moved: ShareAddress) -> None:
    key = new_encryption_key()
    envelope = seal_share(public_key_hex(key), SHARE, ADDRESS)
    with pytest.raises(TrusteeError):
        open_share(key, envelope, moved)


def test_an_altered_envelope_does_not_open() -> None:
    key = new_encryption_key()
    envelope = seal_share(public_key_hex(key), SHARE, ADDRESS)
    flipped = envelope[:-1] + ("0" if envelope[-1] != "0" else "1")
    with pytest.raises(TrusteeError):
        open_share(key, flipped, ADDRESS)


@pytest.mark.parametrize("bad", ["", "zz" * 32, "AB" * 32, "ab" * 31, 42, None])
def test_a_malformed_key_or_envelope_is_refused(bad: object) -> None:
    with pytest.raises(TrusteeError):
        check_public_key_hex(bad)
    with pytest.raises(TrusteeError):
        open_share(new_encryption_key(), bad, ADDRESS)


@pytest.mark.parametrize("low_order", ["00" * 32, "01" + "00" * 31])
def test_a_low_order_key_is_refused_before_anyone_seals_to_it(low_order: str) -> None:
    with pytest.raises(TrusteeError, match="low-order point"):
        check_public_key_hex(low_order)
    with pytest.raises(TrusteeError):
        seal_share(low_order, SHARE, ADDRESS)
