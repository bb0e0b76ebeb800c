"""A whole key ceremony and a trustee's decryption, in process, for tests that need an open
or tallied election: the same verbs the API calls, fed with what the trustee command would
send. The trustee command itself is tested over HTTP (test_trustee_command.py, and the
integration tier)."""

from __future__ import annotations

from collections.abc import Sequence

from apps.elections.models import Election
from apps.elections.tally import accept_partial_decryption
from apps.trustees.models import Trustee
from apps.trustees.services import (
    name_trustees,
    publish_dealing,
    publish_encryption_key,
    report_share_check,
)
from evcrypto import (
    Aggregate,
    ElectionKey,
    TrusteeKey,
    finish_key_ceremony,
    partial_decrypt,
    start_key_ceremony,
)
from trustee.envelope import ShareAddress, new_encryption_key, public_key_hex, seal_share
from trustee.protocol import commitments_hash


def complete_ceremony(
    election: Election, emails: Sequence[str], threshold: int | None = None
) -> dict[int, TrusteeKey]:
    """Name these trustees and run their ceremony to the end; each one's secret share."""
    election = name_trustees(election, emails, threshold)
    trustees = list(Trustee.objects.filter(election=election).order_by("index"))
    count, k, ceremony = len(trustees), election.threshold, election.ceremony_id
    keys = {t.index: new_encryption_key() for t in trustees}
    for t in trustees:
        publish_encryption_key(t, ceremony, public_key_hex(keys[t.index]))
    dealings = {
        t.index: start_key_ceremony(election.election_hash, t.index, k, count) for t in trustees
    }
    for t in trustees:
        envelopes = {
            r: (
                public_key_hex(keys[r]),
                seal_share(
                    public_key_hex(keys[r]),
                    dealings[t.index].share_for(r),
                    ShareAddress(election.election_hash, t.index, r),
                ),
            )
            for r in keys
            if r != t.index
        }
        publish_dealing(t, ceremony, dealings[t.index].commitment.to_dict(), envelopes)
    commitments = [dealings[i].commitment for i in sorted(dealings)]
    checked = commitments_hash([c.to_dict() for c in commitments])
    for t in trustees:
        report_share_check(t, ceremony, checked, [])
    return {
        i: finish_key_ceremony(
            election.election_hash,
            i,
            k,
            commitments,
            {j: dealing.share_for(i) for j, dealing in dealings.items()},
        )[1]
        for i in keys
    }


def decrypt_as_trustees(
    election: Election, keys: dict[int, TrusteeKey], who: Sequence[int]
) -> Election:
    """Trustees `who` each send their partial decryption of the election's aggregate."""
    election.refresh_from_db()
    group = ElectionKey.from_dict(election.public_key).group
    encrypted = Aggregate.from_dict(group, election.aggregate)
    for index in who:
        trustee = Trustee.objects.get(election=election, index=index)
        partial = partial_decrypt(keys[index], encrypted, election.election_hash)
        election = accept_partial_decryption(trustee, partial.to_dict())
    return election


DEFAULT_TRUSTEES = ("tina@example.org", "theo@example.org", "tara@example.org")


def open_with_trustees(election: Election, emails: Sequence[str] = DEFAULT_TRUSTEES) -> Election:
    """Run the ceremony of three trustees (2 of 3) and open the election."""
    from apps.elections.services import open_election

    complete_ceremony(election, emails)
    return open_election(election)
