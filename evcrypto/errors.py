"""The one exception type of the ballot-crypto package."""


class CryptoError(ValueError):
    """Bad input to, or a failed check in, `evcrypto`.

    Every public function raises this (and only this) for wrong types, malformed JSON, points
    not on the curve, out-of-range scalars, wrong lengths and proofs that do not verify. The
    message names what failed, e.g. ``"ballot proofs: challenge mismatch"``. It subclasses
    ``ValueError`` so callers that already treat bad values as ``ValueError`` keep working.
    """
