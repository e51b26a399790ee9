"""flask users create, exactly as docs/running.md#cli gives it."""

from __future__ import annotations

import pytest

from referral.auth.models import User
from referral.auth.passwords import verify_password
from referral.auth.permissions import Role


def invoke(app, *args):
    return app.test_cli_runner().invoke(args=["users", "create", *args])


def test_create_with_several_roles_and_a_division(app, db):
    result = invoke(app, "--username", "Chen", "--password", "a long password", "--role", "county_official",
                    "--role", "referral_officer", "--division", "220102")
    assert result.exit_code == 0, result.output
    user = db.session.scalars(db.select(User).where(User.username == "chen")).one()
    assert user.roles == {Role.COUNTY_OFFICIAL, Role.REFERRAL_OFFICER} and user.division_code == "220102"
    assert verify_password(user.password_hash, "a long password") and "a long password" not in user.password_hash


def test_create_institution_role(app, db, create_institution):
    institution = create_institution()
    result = invoke(app, "--username", "staff", "--password", "a long password", "--role", "institution_staff",
                    "--institution", str(institution.id))
    assert result.exit_code == 0, result.output
    assert db.session.scalars(db.select(User).where(User.username == "staff")).one().institution_id == institution.id


@pytest.mark.parametrize(("args", "message"), [
    (["--role", "county_official", "--division", "220100"], "--division: 所选角色需要县级行政区划"),
    (["--role", "city_official"], "--division: 所选角色需要指定行政区划"),
    (["--role", "county_official", "--division", "229999"], "--division: 行政区划代码 229999 不存在"),
    (["--role", "city_official", "--role", "county_official", "--division", "220100"], "--roles: 这些角色需要不同级别"),
    (["--role", "institution_admin"], "--institution: 机构角色需要指定所属机构"),
    (["--role", "institution_admin", "--institution", "999"], "--institution: 机构 999 不存在"),
    (["--role", "sysadmin", "--password", "short"], "--password: 密码至少需要 10 个字符"),
])
def test_invalid_combinations_are_refused_with_the_reason(app, db, args, message):
    if "--password" not in args:
        args = [*args, "--password", "a long password"]
    result = invoke(app, "--username", "someone", *args)
    assert result.exit_code == 2 and message in result.output
    assert db.session.scalar(db.select(User).where(User.username == "someone")) is None


def test_unknown_role_and_duplicate_username(app, create_user):
    assert invoke(app, "--username", "x", "--password", "a long password", "--role", "king").exit_code == 2
    create_user(Role.SYSADMIN, username="taken")
    result = invoke(app, "--username", "taken", "--password", "a long password", "--role", "sysadmin")
    assert result.exit_code == 2 and "已被使用" in result.output


def test_seed_demo_prints_random_passwords_and_they_work(app, db, tmp_path):
    app.instance_path = str(tmp_path)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    lines = [line.split()[:3] for line in first.output.splitlines() if line.startswith("  demo-")]
    assert f"也保存在 {tmp_path / 'demo-credentials.txt'}" in first.output  # says where the passwords are
    assert "（county_official）" not in first.output and "(county_official) 县级民政" in first.output
    roles = {parts[2].strip("()") for parts in lines}
    assert roles == {r.value for r in Role}  # one account (at least) per role
    from referral.auth.services import authenticate
    for username, password, _role in lines:
        user = authenticate(username, password)
        assert (user is not None) == (username != "demo-disabled")
    assert runner.invoke(args=["seed-demo", "--if-empty"]).output.startswith("seed-demo：数据库中已有账号")
    passwords = [password for _u, password, _r in lines]
    assert len(set(passwords)) == len(passwords) and min(map(len, passwords)) >= 12
    saved = (tmp_path / "demo-credentials.txt").read_text(encoding="utf-8")
    assert all(password in saved for password in passwords)


def test_seed_demo_has_registry_entries_in_every_state(app, db, tmp_path):
    from referral.registries.models import Institution, Talent
    from workflows.approval import ApprovalState

    app.instance_path = str(tmp_path)
    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    for model in (Institution, Talent):
        states = set(db.session.scalars(db.select(model.state).distinct()))
        assert states == set(ApprovalState), model
    from referral.cases.models import Case
    from workflows.case import CaseState

    assert set(db.session.scalars(db.select(Case.state).distinct())) == set(CaseState)
    listed = db.session.scalars(db.select(Institution).where(Institution.state == ApprovalState.LISTED)).all()
    assert {i.name for i in listed} == {"南关区阳光家园精神障碍社区康复服务中心"}
