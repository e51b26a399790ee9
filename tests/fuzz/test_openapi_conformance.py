"""Schemathesis against /api/v1/openapi.json through the WSGI app (issue 13.9): every operation of the document,
with inputs it allows and inputs it forbids, called with the bearer token of a role that may call it. Three
checks: no 5xx, every status is one the document lists for the operation, every response matches the schema the
document gives for that status. Runs in the normal suite, so CI runs it on SQLite and on PostgreSQL.

Schemathesis rather than only our own strategies (tests/fuzz/test_api_fuzz.py): it reads the document as a client
would, so it finds where the document and the code disagree, which our strategies, built from the same forms as
the document, cannot."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import given
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from referral.api.spec import openapi_path
from tests.fuzz.conftest import FUZZ
from tests.fuzz.test_api_fuzz import _caller, _operations
from tests.helpers import ANON

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


class FreshContext:
    """Each request in an app context of its own (as tests/conftest.py: FreshContextClient does for the test
    client): schemathesis calls the WSGI app directly, inside the test's long-lived context."""

    def __init__(self, app, wsgi_app):
        self.app, self.wsgi_app = app, wsgi_app

    def __call__(self, environ, start_response):
        with self.app.app_context():
            return self.wsgi_app(environ, start_response)


def _headers(op, world) -> dict:
    """The bearer token of the role that may call the operation (none for the public ones)."""
    caller = _caller(op, world["users"])
    return {} if caller == ANON else {"Authorization": f"Bearer {world['tokens'][caller]}"}


# Schemathesis's own pytest plugin (schemathesis.pytest.from_fixture) fails on pytest 9.2 (it sets the node's
# private _nodeid); its Python API (an operation's Hypothesis strategy) does the same, one pytest test per
# operation, which also spreads them over the xdist workers.
@pytest.mark.parametrize("op", _operations(), ids=lambda o: f"{o.method} {o.rule}")
def test_the_api_does_what_its_document_says(app, world, op):
    app.wsgi_app = FreshContext(app, app.wsgi_app)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    schema.config.generation.update(deterministic=True, database="none")
    operation = schema[openapi_path(op.rule)][op.method]
    # Both modes: input the document allows is taken or refused with a documented status; input it forbids
    # is refused with a documented 4xx.
    cases = st.one_of(operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
                      operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
    headers = _headers(op, world)

    @FUZZ
    @given(case=cases)
    def probe(case):
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS)

    probe()
