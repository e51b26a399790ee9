"""Fixtures of the document tests: the case and registry fixtures, and a case that has been registered,
referred and accepted."""

from __future__ import annotations

import pytest

from referral.cases import services
from referral.extensions import db
from tests.cases.conftest import application, bearer, people  # noqa: F401  (the case fixtures, reused)
from tests.registries.conftest import draft, officials  # noqa: F401  (what `people` needs)


@pytest.fixture
def referred_case(people):  # noqa: F811
    """An application from the hospital, registered and referred by the officer, accepted by the institution."""
    body = application()
    who = body["applicant"]
    case = services.submit_application(actor=people["hospital"], data={
        "channel": body["channel"], "assister_role": body["assister_role"], "name": who["name"],
        "id_number": who["id_number"], "phone": who["phone"], "address": who["address"],
        "division_code": who["division"], "guardian_name": body["guardian"]["name"],
        "guardian_relation": body["guardian"]["relation"], "guardian_phone": body["guardian"]["phone"],
        "needs": body["needs"], "service_types": body["service_types"], "consent_signer": "applicant"})
    services.advance_case(case, actor=people["officer"], event="register", verification="已核实身份、户籍与诊断证明")
    services.advance_case(case, actor=people["officer"], event="refer", institution_id=people["inst"].id)
    services.advance_case(case, actor=people["staff"], event="accept")
    db.session.commit()
    return case
