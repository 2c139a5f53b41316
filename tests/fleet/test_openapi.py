"""schemathesis against the served OpenAPI document, on SQLite and PostgreSQL: generated requests
(valid and invalid) to every operation never get a 5xx, and every response matches its schema,
status code and content type. A fixed, small number of examples keeps CI fast."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from conftest import DEVICES
from fleet.conftest import Org, snapshot_bytes

EXAMPLES = 12

pytestmark = pytest.mark.timeout(600)


def test_every_operation_conforms_to_the_openapi_schema(app_client: TestClient, org: Org) -> None:
    # imported here: schemathesis is large, and collection of the whole suite should stay light
    import schemathesis
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    # a device to read, so that detail and report responses are exercised too
    r = app_client.post(
        "/api/v1/snapshots",
        content=snapshot_bytes(DEVICES / "xiaomi-vince-V10.2.3.0.OEGMIXM"),
        headers=org.auth("uploader"),
    )
    assert r.status_code in (200, 201)
    device_id = r.json()["device_id"]
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app_client.app)
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 11
    tried: list[str] = []
    for op in operations:
        label = f"{op.method.upper()} {op.path}"
        tried.append(label)

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=op.as_strategy())
        def run(case: Any) -> None:
            if case.path_parameters and "token_id" in case.path_parameters:
                case.path_parameters = {"token_id": 2**31 - 1}  # never revoke the token under test
            case.call_and_validate(headers=org.auth("admin"), checks=checks)

        run()
        # the real device too, not only generated ids
        if "{device_id}" in op.path:
            case = op.Case(path_parameters={"device_id": device_id})
            case.call_and_validate(headers=org.auth("admin"), checks=checks)
    assert "POST /api/v1/snapshots" in tried and "GET /api/v1/devices/{device_id}/report" in tried
