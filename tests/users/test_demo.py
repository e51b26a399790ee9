"""The demo data is realistic (issue 12.7): the printed forms can be shown to a county as they are — people's
names, not "负责人0"; addresses on real streets, not "民康路 0 号"; no "测试" — and the demo accounts carry a
身份证号 and (but for the two that have not signed in yet) their accepted 保密承诺书."""

from __future__ import annotations

import re

from referral.auth.models import AccountPledge, User
from referral.cases.models import Case
from referral.demo import NOT_YET_SIGNED_IN
from referral.documents.pledges import confidentiality_pledge_context
from referral.registries.models import Institution, Talent

PLACEHOLDER = re.compile(r"负责人\d|管理员$|测试|示例|某|民康路 \d+ 号$|幸福街 \d+ 号$|ZS2026|8888\d{4}")
ADDRESS = re.compile(r"^长春市(南关区|朝阳区)\S+(路|街|大路|大街) \d+ 号")


def test_the_demo_reads_like_real_records(app, db, tmp_path):
    app.instance_path = str(tmp_path)
    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0

    institutions = db.session.scalars(db.select(Institution)).all()
    assert len(institutions) == 10
    for inst in institutions:
        values = (inst.legal_representative, inst.contact_name, inst.address, inst.contact_phone,
                  inst.registration_authority, inst.credit_code)
        assert not any(PLACEHOLDER.search(v) for v in values), values
        assert ADDRESS.match(inst.address), inst.address
        assert 2 <= len(inst.legal_representative) <= 3 and inst.contact_phone.startswith("0431-")
    assert len({i.address for i in institutions}) == len({i.contact_phone for i in institutions}) == 10

    users = db.session.scalars(db.select(User)).all()
    for user in users:
        assert 2 <= len(user.display_name) <= 3 and not PLACEHOLDER.search(user.display_name), user.display_name
    pledged = {u.username for u in users
               if db.session.scalar(db.select(AccountPledge.id).where(AccountPledge.user_id == u.id).limit(1))}
    assert pledged == {u.username for u in users} - NOT_YET_SIGNED_IN

    talents = db.session.scalars(db.select(Talent)).all()
    assert all(t.position and not PLACEHOLDER.search(t.certificate_number or "") for t in talents)
    assert len({t.phone for t in talents}) == len(talents)

    cases = db.session.scalars(db.select(Case)).all()
    assert all(ADDRESS.match(c.applicant_address) for c in cases), [c.applicant_address for c in cases]
    assert len({c.applicant_address for c in cases}) == len(cases)

    # The staff account is the person of its talent entry: its pledge prints her 职务 and 身份证号.
    staff = db.session.scalar(db.select(User).where(User.username == "demo-institution-staff"))
    subject = confidentiality_pledge_context(staff)["subject"]
    talent = db.session.scalar(db.select(Talent).where(Talent.user_id == staff.id))
    assert (subject["name"], subject["position"], subject["id_number"]) == ("孙丽", "康复部主管", talent.id_number)
    assert confidentiality_pledge_context(staff)["accepted"]["signer"] == "孙丽"
