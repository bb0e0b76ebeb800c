"""The accounts' Celery task: invitations go out from the worker, not from a web request."""

from __future__ import annotations

from celery import shared_task

from apps.accounts import invitations


@shared_task(ignore_result=True)
def send_invitations(election_id: int, user_ids: list[int]) -> None:
    invitations.send_invitations(election_id, user_ids)
