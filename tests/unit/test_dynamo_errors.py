"""How DynamoDB failures reach clients: a 503, never a crash."""

from __future__ import annotations

import pytest


def test_a_transport_error_without_a_response_is_a_503_not_a_crash():
    """pynamodb's cause_response_code raises when the cause has response=None."""
    from botocore.exceptions import HTTPClientError
    from pynamodb.exceptions import GetError

    from cms.adapters.dynamo import unavailable_on_connection_errors
    from cms.domain.errors import DependencyUnavailable

    def failing():
        raise GetError("lost", cause=HTTPClientError(error="connection reset"))

    with pytest.raises(DependencyUnavailable):
        unavailable_on_connection_errors(failing)
