"""The embedded Celery broker: kombu's filesystem transport, made safe across processes.

kombu's filesystem transport writes each message file in place, so a consumer polling the
folder can take a file that is still empty and die on it (seen here: the worker stopped with
"JSONDecodeError: Expecting value" under load). This transport writes each message to a
drafts folder beside the queue and renames it into the queue, which is atomic on one
filesystem: a consumer sees whole messages or nothing. Use it as `embeddedfs://`.
"""

from __future__ import annotations

import os
import uuid
from time import monotonic
from typing import Any

from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

BROKER_URL = "embeddedfs://"


class Channel(filesystem.Channel):
    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        drafts = os.path.join(os.path.dirname(self.data_folder_out.rstrip(os.sep)), "drafts")
        os.makedirs(drafts, exist_ok=True)
        draft = os.path.join(drafts, name)
        with open(draft, "wb") as handle:
            handle.write(str_to_bytes(dumps(payload)))
        os.replace(draft, os.path.join(self.data_folder_out, name))


class Transport(filesystem.Transport):
    Channel = Channel


TRANSPORT_ALIASES["embeddedfs"] = "validators.embedded_broker:Transport"
