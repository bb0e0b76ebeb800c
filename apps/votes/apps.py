from django.apps import AppConfig


class VotesConfig(AppConfig):
    """Casting ballots: the vote outbox, voter pseudonyms, receipts and their status."""

    name = "apps.votes"
