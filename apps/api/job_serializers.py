"""What the API says of a long job (apps.elections.jobs): where to follow it, and its state."""

from __future__ import annotations

from rest_framework import serializers

from apps.elections.models import Job


class JobStarted(serializers.Serializer):
    """The answer of a 202: the job queued, and the URL that tells its progress."""

    job_id = serializers.IntegerField()
    status_url = serializers.CharField(help_text="GET it for the job's state and progress")


class JobOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Job.Kind.choices)
    election = serializers.IntegerField(help_text="the election's id")
    state = serializers.ChoiceField(choices=Job.State.choices)
    step = serializers.CharField(
        help_text="the current (or last) step: reading the chain from the validators, checking "
        "blocks, aggregating, waiting for trustees, publishing; closing; importing voters"
    )
    done = serializers.IntegerField(help_text="units of the step done")
    total = serializers.IntegerField(help_text="units of the step in all (0: not known)")
    error = serializers.CharField(allow_null=True, help_text="why it failed, for a person")
    error_code = serializers.CharField(allow_null=True, help_text="why it failed, for a program")
    result = serializers.JSONField(allow_null=True, help_text="what a finished job produced")
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
