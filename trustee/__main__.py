"""python -m trustee: the command an election's trustee runs on their own machine.

    python -m trustee ceremony --server URL --election ID --email ADDRESS --secret-file FILE
                               [--confirm-keys FINGERPRINT] [--wait]
    python -m trustee decrypt  --server URL --election ID --email ADDRESS --secret-file FILE
                               --genesis genesis.json [--genesis-hash HASH]
                               [--read-at VALIDATOR=URL ...] [--allow-left-out TRACKER ...]
    python -m trustee status   --server URL --election ID --email ADDRESS

It logs in with the trustee's own account (the password is asked for, or read from
EVOTING_PASSWORD), or uses a bearer token from EVOTING_TOKEN. The secret file's passphrase is
asked for, or read from TRUSTEE_PASSPHRASE. Two things are confirmed out of band, by the flag
or, at a terminal, by answering a question: the trustees' keys before any share is dealt
(every trustee must see the same keys fingerprint), and the genesis the chain is read with.
Exit status: 0 done, 3 waiting for others (run it again later, or pass --wait), 4 waiting for
your confirmation, 1 refused or failed, with the reason on one line.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from evcrypto import CryptoError
from trustee import TrusteeError
from trustee.api import TrusteeApi
from trustee.ceremony import Local, Progress, ceremony_step, current_keys_fingerprint
from trustee.decrypt import decrypt_step

WAITING = 3
NEEDS_CONFIRMATION = 4


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        api = connect(args)
        if args.command == "status":
            print_status(api)
            return 0
        step = step_for(args, api)
        return run(step, args.wait, args.timeout)
    except TrusteeError as exc:
        print(f"trustee: {exc}", file=sys.stderr)
        return 1
    except (CryptoError, KeyError, TypeError, ValueError, IndexError) as exc:
        # Nothing was decrypted or dealt on an answer that does not parse.
        detail = str(exc).splitlines()[0] if str(exc) else ""
        print(
            f"trustee: refused: the server's answer is not what was expected "
            f"({type(exc).__name__}: {detail})",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        return 130


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m trustee", description=__doc__.split("\n")[0])
    commands = top.add_subparsers(dest="command", required=True)
    for name, text in (
        ("ceremony", "take your part in the key ceremony (run again until it says done)"),
        ("decrypt", "check the tally against the chain and send your partial decryption"),
        ("status", "show where the ceremony stands and every trustee's fingerprint"),
    ):
        command = commands.add_parser(name, help=text, description=text)
        command.add_argument(
            "--server", default=os.environ.get("EVOTING_SERVER", "http://127.0.0.1:8000")
        )
        command.add_argument("--election", type=int, required=True, help="the election's id")
        command.add_argument("--email", help="your account (or set EVOTING_TOKEN)")
        if name != "status":
            command.add_argument("--secret-file", type=Path, required=True)
            command.add_argument("--wait", action="store_true", help="poll until done")
            command.add_argument("--timeout", type=float, default=600.0, help="with --wait")
        if name == "ceremony":
            command.add_argument(
                "--confirm-keys",
                metavar="FINGERPRINT",
                help="the keys fingerprint every trustee sees (compared out of band)",
            )
        if name == "decrypt":
            command.add_argument("--genesis", type=Path, required=True, help="your copy")
            command.add_argument("--genesis-hash", help="the published hash of genesis")
            command.add_argument(
                "--read-at",
                action="append",
                default=[],
                type=read_at,
                metavar="VALIDATOR=URL",
                help="read this validator at URL rather than at its genesis URL (for example "
                "from outside the validators' own network); its chain is checked the same",
            )
            command.add_argument(
                "--allow-left-out",
                action="append",
                default=[],
                metavar="TRACKER",
                help="a certified ballot the server may leave out (after checking why)",
            )
    return top


def read_at(text: str) -> tuple[str, str]:
    """`validator-1=https://v1.example.org` -> (id, URL)."""
    node_id, _, url = text.partition("=")
    if not node_id or not url.startswith(("http://", "https://")):
        raise argparse.ArgumentTypeError(f"expected VALIDATOR=http(s)://..., not {text!r}")
    return node_id, url.rstrip("/")


def read_at_map(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """The --read-at pairs as validator id -> URL; TrusteeError if one id is given twice."""
    repeated = [n for n, count in Counter(n for n, _ in pairs).items() if count > 1]
    if repeated:
        raise TrusteeError(f"--read-at names {repeated[0]} twice")
    return dict(pairs)


def connect(args: argparse.Namespace) -> TrusteeApi:
    token = os.environ.get("EVOTING_TOKEN")
    if token:
        return TrusteeApi(args.server.rstrip("/"), token, args.election)
    if not args.email:
        raise TrusteeError("give --email (or set EVOTING_TOKEN)")
    password = os.environ.get("EVOTING_PASSWORD") or getpass.getpass(f"password for {args.email}: ")
    return TrusteeApi.log_in(args.server, args.email, password, args.election)


def step_for(args: argparse.Namespace, api: TrusteeApi) -> Callable[[], Progress]:
    passphrase = os.environ.get("TRUSTEE_PASSPHRASE") or getpass.getpass(
        f"passphrase for {args.secret_file}: "
    )
    local = Local(
        args.secret_file,
        passphrase,
        confirm_keys=getattr(args, "confirm_keys", None),
        genesis_hash=getattr(args, "genesis_hash", None),
        read_at=read_at_map(getattr(args, "read_at", [])),
        ask=ask_at_terminal if sys.stdin.isatty() else None,
    )
    if args.command == "ceremony":
        return lambda: ceremony_step(api, local)
    allowed = frozenset(args.allow_left_out)
    return lambda: decrypt_step(api, local, args.genesis, allowed)


def run(step: Callable[[], Progress], wait: bool, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    last = ""
    while True:
        progress = step()
        if progress.message != last:
            print(progress.message, flush=True)
            last = progress.message
        if progress.done:
            return 0
        if progress.needs_confirmation:
            return NEEDS_CONFIRMATION
        if not wait:
            return WAITING
        if time.monotonic() > deadline:
            print(f"trustee: still waiting after {timeout:.0f} s", file=sys.stderr)
            return WAITING
        time.sleep(1.0)


def ask_at_terminal(question: str) -> bool:
    print(question, flush=True)
    return input("Type yes to go on: ").strip().lower() == "yes"


def print_status(api: TrusteeApi) -> None:
    view = api.ceremony()
    election = view["election"]
    print(
        f"election {election['id']} {election['title']!r}: {election['state']}, {election['label']}"
    )
    for t in view["trustees"]:
        mark = " (you)" if t["index"] == view["you"] else ""
        print(
            f"  trustee {t['index']}{mark} {t['email']}: {t['next_step']}, "
            f"fingerprint {t['fingerprint'] or '-'}"
        )
    for problem in view["problems"]:
        print(f"  to do: {problem}")
    if view["trustees"] and all(t["encryption_key"] for t in view["trustees"]):
        print(f"keys fingerprint: {current_keys_fingerprint(view)}")


if __name__ == "__main__":
    sys.exit(main())
