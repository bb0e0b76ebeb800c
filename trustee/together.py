"""Several trustees' commands run on one machine, as the demo and the tests do: each trustee
publishes a key, all print the keys fingerprint, the fingerprints are compared (here by the
program, between trustees by phone or in person), and then each deals with --confirm-keys.

`start(index, extra_args)` starts trustee `index`'s `python -m trustee ceremony` process (with
stdout piped, text mode) and returns it; the arguments to add are given.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Sequence

from trustee import TrusteeError

FINGERPRINT = re.compile(r"keys fingerprint: ([0-9a-f-]+)")
TIMEOUT_SECONDS = 180

Start = Callable[[int, Sequence[str]], "subprocess.Popen[str]"]


def run_together(
    start: Start, indices: Sequence[int], timeout: float = TIMEOUT_SECONDS
) -> list[str]:
    """Run the ceremony for these trustees at once, to the end; each one's last output."""
    first = _wait_all(start, indices, ["--wait", "--timeout", str(timeout)], timeout, (0, 4))
    seen = {i: FINGERPRINT.findall(out) for i, out in first.items()}
    fingerprints = {found[-1] for found in seen.values() if found}
    if len(fingerprints) != 1 or any(not found for found in seen.values()):
        raise TrusteeError(f"the trustees do not see the same keys fingerprint: {seen}")
    (fingerprint,) = fingerprints
    extra = ["--confirm-keys", fingerprint, "--wait", "--timeout", str(timeout)]
    second = _wait_all(start, indices, extra, timeout, (0,))
    return [second[i].strip().splitlines()[-1] for i in indices]


def _wait_all(
    start: Start, indices: Sequence[int], extra: list[str], timeout: float, ok: tuple[int, ...]
) -> dict[int, str]:
    running = {i: start(i, extra) for i in indices}
    outputs = {}
    for index, process in running.items():
        output, _ = process.communicate(timeout=timeout + 30)
        if process.returncode not in ok:
            raise TrusteeError(f"trustee {index}'s ceremony failed: {output.strip()}")
        outputs[index] = output
    return outputs
