"""The trustee command: what an election's trustee runs on their own machine.

    python -m trustee ceremony --server URL --election ID --secret-file FILE
    python -m trustee decrypt  --server URL --election ID --secret-file FILE --genesis FILE
    python -m trustee status   --server URL --election ID [--secret-file FILE]

It imports neither Django nor the backend's apps: only the ballot cryptography (`evcrypto`),
the validators' pure core and chain audit (`validators.core`, `validators.audit`),
`cryptography` and `requests`. The server relays ciphertext and stores public material only;
the trustee's secret share lives in a passphrase-encrypted file on the trustee's machine
(`trustee.secret_file`). docs/trustees.md describes the ceremony and the tally.
"""


class TrusteeError(Exception):
    """Anything the trustee command refuses or cannot do; the message is one line for the user."""
