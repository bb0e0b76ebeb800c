"""signed_in(): the logged-in user of a request, never an anonymous one."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from apps.accounts.models import User, signed_in


def test_an_anonymous_request_is_refused() -> None:
    with pytest.raises(PermissionDenied, match="log in first"):
        signed_in(AnonymousUser())


@pytest.mark.django_db
def test_a_user_is_handed_back(alice: User) -> None:
    assert signed_in(alice) is alice
