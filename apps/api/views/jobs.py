"""GET /api/jobs/{id}: a long job's state, step and progress (officials who may look)."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from apps.api.job_serializers import JobOutput, JobStarted
from apps.api.permissions import IsOfficialWatching
from apps.elections.jobs import job_document, job_of
from apps.elections.models import Job


def accepted(request: Request, job: Job) -> Response:
    """202 with the job's id and status URL, which the Location header names too."""
    url = request.build_absolute_uri(reverse("api:job", kwargs={"job_id": job.pk}))
    body = JobStarted({"job_id": job.pk, "status_url": url}).data
    return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": url})


@extend_schema(
    tags=["elections"],
    summary="A long job's state, current step and progress (close, tally, voter import)",
    responses=JobOutput,
)
@api_view(["GET"])
@permission_classes([IsOfficialWatching])
def job(request: Request, job_id: str) -> Response:
    return Response(JobOutput(job_document(job_of(int(job_id)))).data)
