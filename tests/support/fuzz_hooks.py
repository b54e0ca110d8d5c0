"""Schemathesis hooks of the live fuzz (tests/support/fuzz.py loads them via SCHEMATHESIS_HOOKS).

`positive_data_acceptance` as Schemathesis ships it counts every 422 to schema-valid data as a
failure. This API answers 422 for two different things: `validation_error` — the request's
shape or types were refused, which the OpenAPI schema alone decides — and a business rule with
its own code (`otp_invalid`, `password_too_short`, `invalid_cursor`, `mrz_not_found` …), which
no schema can express (a wrong code has the shape of a right one). The built-in check runs with
422 allowed (tests/support/schemathesis.toml); this one fails any `validation_error` answered
to data the schema calls valid — so the schema's valid data is data the API accepts.
"""

from __future__ import annotations

import schemathesis
from schemathesis.core.failures import Failure
from schemathesis.specs.openapi.checks import is_unexpected_http_status_case


class SchemaValidDataRefused(Failure):
    code = "ST991"
    checks = ("schema_valid_data_well_formed",)
    kind_title = "Schema-valid data refused as malformed"


@schemathesis.check
def schema_valid_data_well_formed(ctx, response, case) -> bool | None:
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    if is_unexpected_http_status_case(case):
        return None
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("code") == "validation_error":
        raise SchemaValidDataRefused(
            operation=case.operation.label,
            message=f"422 validation_error to schema-valid data: {body.get('fields')}",
        )
    return None
