"""The demand figures (docs/domain.md#demand-data): per source, how many listed people applied, were served
or were never reached — counted by the listed county, matched on the keyed hash alone — against a fixture
computed by hand, with cases taken through the real case services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from referral.calendar import today_in_china
from referral.cases import services as cases
from referral.cases.models import Case
from referral.demand.queries import demand_by_county, demand_figures
from referral.extensions import db
from tests.helpers import id_number

# Listed people: health lists P1–P5 in 南关区 and P6, P7 in 朝阳区; 残联 lists P1, P2 and P8 in 南关区.
P = {i: id_number(f"198{i}0{i}1{i}", 100 + i) for i in range(1, 10)}
HEALTH = [(P[i], "220102") for i in range(1, 6)] + [(P[6], "220104"), (P[7], "220104")]
CDPF = [(P[1], "220102"), (P[2], "220102"), (P[8], "220102")]


def csv_of(rows) -> bytes:
    return ("身份证号,行政区划代码\n" + "".join(f"{n},{c}\n" for n, c in rows)).encode()


def apply(people, number: str, county: str = "220102") -> Case:
    return cases.submit_application(actor=people["hospital"], data={
        "channel": "medical", "name": "测试", "id_number": number, "division_code": county, "needs": "康复",
        "service_types": ["服药训练"], "consent_signer": "applicant"})


def into_service(people, case: Case) -> None:
    today = today_in_china()
    cases.advance_case(case, actor=people["officer"], event="register", verification="已核实")
    cases.advance_case(case, actor=people["officer"], event="refer", institution_id=people["inst"].id)
    cases.advance_case(case, actor=people["staff"], event="accept")
    cases.advance_case(case, actor=people["staff"], event="assess", result="suitable",
                       assessment={"risk_grade": 1, "plan": "服药训练每周两次"})
    cases.advance_case(case, actor=people["staff"], event="sign_agreement", agreement={
        "start_date": today, "end_date": today + timedelta(days=180), "service_items": ["服药训练"],
        "form": "day", "frequency": "每周两次", "signer_name": "测试"})


@pytest.fixture
def fixture_cases(people, import_list):
    import_list(csv_of(HEALTH), source="health")
    import_list(csv_of(CDPF), source="cdpf")
    into_service(people, apply(people, P[1]))                          # P1: served, in service now
    apply(people, P[2])                                                # P2: applied, waiting
    p3 = apply(people, P[3])                                           # P3: served, then transferred back
    into_service(people, p3)
    cases.advance_case(p3, actor=people["staff"], event="transfer", reason="搬家，需要换机构")
    p4 = apply(people, P[4])                                           # P4: closed before any service
    cases.advance_case(p4, actor=people["officer"], event="register", verification="已核实")
    cases.advance_case(p4, actor=people["officer"], event="close", reason_code="unreachable")
    apply(people, P[6], county="220102")                               # P6: listed in 朝阳区, applied in 南关区
    apply(people, P[9])                                                # P9: on no list
    db.session.commit()


def f(listed, applied, served):
    return {"listed": listed, "applied": applied, "served": served, "not_reached": listed - applied}


NONE = f(0, 0, 0)


@pytest.mark.usefixtures("fixture_cases")
@pytest.mark.parametrize(("prefix", "expected"), [
    ("220102", {"health": f(5, 4, 2), "cdpf": f(3, 2, 1)}),
    ("220104", {"health": f(2, 1, 0), "cdpf": NONE}),
    ("2201", {"health": f(7, 5, 2), "cdpf": f(3, 2, 1)}),
    ("22", {"health": f(7, 5, 2), "cdpf": f(3, 2, 1)}),
    ("", {"health": f(7, 5, 2), "cdpf": f(3, 2, 1)}),
    ("11", {"health": NONE, "cdpf": NONE}),
    ("220103", {"health": NONE, "cdpf": NONE}),
])
def test_figures_of_an_area(prefix, expected):
    assert demand_figures(prefix) == expected


@pytest.mark.usefixtures("fixture_cases")
def test_figures_per_county():
    assert demand_by_county("22") == [
        {"division_code": "220102", "name": "长春市南关区", "health": f(5, 4, 2), "cdpf": f(3, 2, 1)},
        {"division_code": "220104", "name": "长春市朝阳区", "health": f(2, 1, 0), "cdpf": NONE},
    ]
    assert demand_by_county("220104") == [
        {"division_code": "220104", "name": "长春市朝阳区", "health": f(2, 1, 0), "cdpf": NONE}]
    assert demand_by_county("11") == []


def test_a_bad_prefix_is_refused():
    with pytest.raises(ValueError):
        demand_figures("2201'")


def test_cases_entered_before_a_key_existed_are_matched_after_the_next_import(people, import_list):
    from referral.demand.services import backfill_case_hashes
    from referral.id_hash import id_hash

    case = apply(people, P[5])
    db.session.commit()
    assert case.applicant_id_hash == id_hash(P[5])  # set with the number
    db.session.execute(update(Case).values(applicant_id_hash=None))  # as entered before a key existed
    db.session.commit()
    import_list(csv_of(HEALTH), source="health")  # the import fills it in before anyone counts
    assert db.session.scalar(select(Case.applicant_id_hash)) == id_hash(P[5])
    assert demand_figures("220102")["health"] == f(5, 1, 0)
    assert backfill_case_hashes() == 0  # nothing left to fill
