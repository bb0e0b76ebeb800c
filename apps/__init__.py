"""The backend's Django apps, one concern each (how they fit together: docs/design.md):

- accounts: users (log-in by e-mail), log-in limits, invitations, the admin site.
- elections: elections, their candidates and voter roll, who may see which, and the verbs
  that open, close and tally them.
- trustees: who holds an election's key, their key ceremony and partial decryptions.
- votes: casting a ballot, and the outbox the accepted votes wait in.
- network: the backend's client of the validator network: delivery, receipts, validator
  health, checking the validators' chains.
- fallback: the local fallback chain that holds votes while no validator answers, and
  replays them.
- api: the JSON API under /api/.
- pages: the voter and trustee pages.
- lib: small pieces shared by the apps' admins.
"""
