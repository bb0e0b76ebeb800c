"""Large peer messages (a proposal carries its whole block) on their way from the web process
to the worker, through the node's database as received (see InboundMessage)."""

from __future__ import annotations

from datetime import timedelta

from django.db import models, transaction
from django.utils import timezone

from validators.chain.models import InboundMessage

# A message the worker never took (it was killed between the two steps) is dropped after this.
INBOUND_MESSAGE_TTL = timedelta(minutes=5)


def put(body: str) -> int:
    """Keep a message body as received; its id is what the worker's task is given."""
    return InboundMessage.objects.create(body=body).id


def take(message_id: int) -> str | None:
    """The stored message's body, removed from the store; None if it is gone."""
    with transaction.atomic():
        body = InboundMessage.objects.filter(id=message_id).values_list("body", flat=True).first()
        InboundMessage.objects.filter(
            models.Q(id=message_id) | models.Q(received_at__lt=timezone.now() - INBOUND_MESSAGE_TTL)
        ).delete()
    return body
