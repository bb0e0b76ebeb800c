"""What a tally reports while it reads the validators' chain: blocks checked out of the
heights the validators report, summed over the validators, in the caller's thread."""

from __future__ import annotations

from tests.standin_validators import StandInNetwork
from validators.audit import read_certified


def test_reading_reports_blocks_checked_out_of_the_heights_the_validators_report(
    validators: StandInNetwork,
) -> None:
    for _ in range(5):
        validators.commit([])
    honest, other, liar = list(validators.nodes)
    validators.forge_certificate(liar, 2)  # its reading stops at block 2
    assert validators.genesis is not None
    heard: list[tuple[int, int]] = []
    reading = read_certified(
        validators.genesis,
        "an-election",
        on_progress=lambda done, total: heard.append((done, total)),
        progress_every=0.001,
    )
    # 5 + 5 blocks from the two honest nodes, 1 from the one set aside at its second block
    assert heard[-1] == (11, 11)
    assert all(done <= total for done, total in heard)
    assert [done for done, _ in heard] == sorted(done for done, _ in heard)
    verified = {r.node_id: r.chain is not None for r in reading.readings}
    assert verified == {honest: True, other: True, liar: False}
