"""flask --app wsgi …: divisions import, users create, seed-demo (docs/running.md#cli), tasks work, backup and restore. ``db upgrade`` comes
from Flask-Migrate."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from referral.auth.permissions import Role
from referral.errors import ValidationFailed
from referral.extensions import db

divisions_cli = AppGroup("divisions", help="行政区划 (GB/T 2260).")
users_cli = AppGroup("users", help="Accounts.")
tasks_cli = AppGroup("tasks", help="The task queue (Huey): background work and periodic jobs.")
calendar_cli = AppGroup("calendar", help="The official working-day calendar (放假安排).")
demand_cli = AppGroup("demand", help="Demand lists (卫健严重精神障碍患者登记, 残联持证精神残疾人).")
audit_cli = AppGroup("audit", help="The audit log (审计日志) and its hash chain.")
keys_cli = AppGroup("keys", help="The data keys of the encrypted columns (README.md#encryption-at-rest).")


@divisions_cli.command("import")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def divisions_import(file: Path | None):
    """Import divisions from FILE (CSV: code,name), or the national list shipped with the platform."""
    from referral.divisions.services import DivisionFileError, import_divisions

    try:
        result = import_divisions(file)
    except DivisionFileError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"divisions: {result.added} added, {result.renamed} renamed, {result.unchanged} unchanged")


@users_cli.command("create")
@click.option("--username", required=True)
@click.option("--password", required=False, help="Omit to be prompted (keeps it out of shell history).")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice([r.value for r in Role]))
@click.option("--division", "division_code", default=None, help="6-digit GB/T 2260 code of the role's scope.")
@click.option("--institution", "institution_id", default=None, type=int, help="Institution id (institution roles).")
@click.option("--name", "display_name", default="", help="Display name.")
@with_appcontext
def users_create(username, password, roles, division_code, institution_id, display_name):
    """Create an account with one or more roles, each scoped by --division or --institution."""
    from referral.auth.services import create_user

    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(actor=None, username=username, password=password, roles=roles,
                           division_code=division_code, institution_id=institution_id, display_name=display_name)
    except ValidationFailed as exc:
        db.session.rollback()
        for field, messages in (exc.fields or {}).items():
            for message in messages:
                click.echo(f"error: --{field}: {message}", err=True)
        sys.exit(2)
    db.session.commit()
    click.echo(f"created user {user.username} (id {user.id}) with roles {', '.join(sorted(roles))}")


@users_cli.command("reset-totp")
@click.argument("username")
@with_appcontext
def users_reset_totp(username):
    """Remove an account's TOTP factor and recovery codes (lost phone and codes): the operator on the server,
    after checking who asks. A sysadmin or official enrols again at the next sign-in (docs/domain.md#accounts)."""
    from referral.auth import totp
    from referral.auth.services import user_by_username

    user = user_by_username(username)
    if user is None:
        click.echo(f"error: no user {username}", err=True)
        sys.exit(2)
    totp.reset(user, actor=None)
    db.session.commit()
    click.echo(f"removed the second factor of {user.username}")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has accounts.")
@with_appcontext
def seed_demo(if_empty: bool):
    """Create the demo province (divisions, an institution, one user per role); print the passwords."""
    from referral.auth.models import User
    from referral.demo import seed, seed_supervision

    path = Path(current_app.instance_path) / "demo-credentials.txt"
    if if_empty and db.session.scalar(db.select(User.id).limit(1)) is not None:
        where = f"演示账号和密码见 {path}。" if path.exists() else "演示账号的密码只在第一次运行时显示。"
        click.echo(f"seed-demo：数据库中已有账号，未做改动。{where}")
        return
    credentials = seed(password_factory=lambda: secrets.token_urlsafe(9))
    db.session.commit()
    seed_supervision()
    lines = [f"{username:32s} {password}   ({role}) {Role(role).label}" for username, password, role in credentials]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("用户名 密码 (角色)\n" + "\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)  # only the account that runs the server reads it
    click.echo(f"已建立演示数据。演示账号（用户名、密码、角色）如下，也保存在 {path}（仅本机用户可读）：")
    for line in lines:
        click.echo("  " + line)
    click.echo("在本站的登录页用以上账号登录。演示数据仅供试用，请勿录入真实个人信息。")


@tasks_cli.command("work")
@click.option("--workers", default=2, show_default=True, help="Worker threads of this consumer.")
@click.option("--no-periodic", is_flag=True,
              help="Do not schedule the periodic jobs (run them on one consumer only; docs/running.md#background-work).")
def tasks_work(workers: int, no_periodic: bool):
    """Run a consumer of the task queue (production: TASK_QUEUE_URL=redis://…, TASK_RUNNER=worker on the web
    servers). Any number may run on any number of machines."""
    from referral.tasks import run_consumer

    run_consumer(workers=workers, periodic=not no_periodic)


@calendar_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def calendar_import(file: Path):
    """Enter a year's official 放假安排 from FILE (CSV date,kind; kind holiday or workday). It replaces what
    was entered for the years the file names, overrides the package, and moves running clocks."""
    from referral.calendar.services import import_schedule, parse_schedule

    try:
        result = import_schedule(parse_schedule(file.read_text(encoding="utf-8-sig")), actor=None)
    except ValidationFailed as exc:
        db.session.rollback()
        for message in (exc.fields or {}).get("file", [exc.message]):
            click.echo(f"error: {message}", err=True)
        sys.exit(2)
    db.session.commit()
    click.echo(f"calendar: {', '.join(map(str, result.years))}: {result.holidays} holiday(s), "
               f"{result.workdays} make-up working day(s); due dates moved: "
               + ", ".join(f"{k} {v}" for k, v in result.moved.items()))


@demand_cli.command("import")
@click.option("--source", required=True, type=click.Choice(["health", "cdpf"]),
              help="health: 卫生健康部门严重精神障碍患者登记; cdpf: 残联持证精神残疾人.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def demand_import(source: str, file: Path):
    """Import a demand list from FILE (CSV or XLSX with a header row: 身份证号/id_number and 行政区划代码/division
    required, 姓名/name and 登记日期/持证日期/listed_on optional), now, for the whole country. Prints the good and
    bad row counts and each bad row's line and reason; re-importing a file adds nothing. Exit 0 when the file
    was read, 2 when it could not be."""
    from referral.demand.services import request_import, run_import
    from workflows.demand_import import DemandImportState

    try:
        imp = request_import(actor=None, source=source, file_name=file.name, content=file.read_bytes(),
                             enqueue=False)
    except ValidationFailed as exc:
        db.session.rollback()
        for message in (exc.fields or {}).get("file", [exc.message]):
            click.echo(f"error: {message}", err=True)
        sys.exit(2)
    db.session.commit()
    imp = run_import(imp.id)
    if imp is None or imp.state != DemandImportState.DONE:
        click.echo(f"error: {getattr(imp, 'error', None) or 'the import did not run'}", err=True)
        sys.exit(2)
    click.echo(f"demand {source}: {imp.total} row(s), {imp.good} good ({imp.added} new), {imp.bad} bad "
               f"(import #{imp.id})")
    for row in imp.bad_rows:
        click.echo(f"line {row['line']}: {row['reason']}")


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(file: Path):
    """Write one encrypted archive (AES-256-GCM, key in REFERRAL_BACKUP_KEY) holding the database and the
    attachment store to FILE (docs/running.md#backups)."""
    from referral.backup.archive import BackupError
    from referral.backup.services import backup_key, create_backup

    try:
        key, warning = backup_key(create=True)
        if warning:
            click.secho(warning, err=True, fg="red", bold=True)
        result = create_backup(file, key)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    for warning in result.warnings:
        click.secho(f"警告：{warning}", err=True, fg="yellow")
    tables = result.manifest["database"]["tables"]
    click.echo(f"备份完成：{file}（{len(tables)} 张表 {sum(tables.values())} 行，"
               f"{len(result.manifest['attachments'])} 个附件文件，{len(result.manifest['documents'])} 份已签发文书）")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(file: Path):
    """Restore FILE (made by `flask backup`) into the configured database, which must be empty, and its
    attachment store; then check every table's row count and every file's and document's SHA-256 against the
    backup's manifest. Exit 1 on any difference."""
    from referral.backup.archive import BackupError
    from referral.backup.services import backup_key, restore_backup

    try:
        key, _warning = backup_key(create=False)
        result = restore_backup(file, key)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    if result.warnings:
        for problem in result.warnings:
            click.echo(f"不符：{problem}", err=True)
        raise click.ClickException(f"恢复后的数据与备份清单有 {len(result.warnings)} 处不符，见上。")
    manifest = result.manifest
    click.echo(f"恢复完成并已核对：{len(manifest['database']['tables'])} 张表的行数、"
               f"{len(manifest['attachments'])} 个附件文件和 {len(manifest['documents'])} 份已签发文书的 SHA-256 "
               f"均与备份（{manifest['created_at']}）一致。")


@audit_cli.command("verify")
@click.option("--head", "expect", default=None, metavar="HASH",
              help="A chain head from the log file (audit chain head: … hash=…): also check that it is still in the chain.")
@with_appcontext
def audit_verify(expect: str | None):
    """Walk the audit log's hash chain (docs/architecture.md#evidence). Exit 0 and print the count and head
    when it holds; exit 1 naming the first broken entry (or a --head no longer in the chain)."""
    from referral.audit.chain import verify

    result = verify(db.session, expect=expect)
    db.session.rollback()  # a read only: end the transaction
    if not result.ok:
        click.echo(f"BROKEN at audit entry id={result.broken_id}: {result.problem} "
                   f"({result.count} entries before it hold)", err=True)
        sys.exit(1)
    if expect and not result.seen_hash:
        click.echo(f"BROKEN: head {expect} is not in the chain ({result.count} entries, head id={result.head_id} "
                   f"hash={result.head_hash}): the log was rewritten or cut after it", err=True)
        sys.exit(1)
    click.echo(f"OK: {result.count} entries, head id={result.head_id} hash={result.head_hash}")
@keys_cli.command("rotate")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--max-batches", default=None, type=click.IntRange(1), help="Stop after this many batches "
              "(a run in slices; the next run carries on).")
@with_appcontext
def keys_rotate(batch_size: int, max_batches: int | None):
    """Re-encrypt every value written under an older key with the current (first) key of REFERRAL_DATA_KEYS,
    one committed batch at a time, printing the progress per column. Safe to interrupt and run again."""
    from referral.crypto.keys import keyring
    from referral.crypto.rotation import remaining, rotate

    click.echo(f"current key: {keyring().current_id}")
    batches = 0
    for progress in rotate(batch_size):
        db.session.commit()  # one batch per transaction: an interruption keeps what was done
        batches += 1
        click.echo(f"{progress.column.context}: {progress.done}/{progress.total}")
        if max_batches is not None and batches >= max_batches:
            break
    left = {column: n for column, n in remaining().items() if n}
    db.session.rollback()
    if left:
        click.echo("left under older keys: " + ", ".join(f"{c} {n}" for c, n in left.items()))
        click.echo("run `flask keys rotate` again to finish; keep the old keys until then")
    else:
        click.echo("every encrypted value is under the current key: the older keys may be removed")


def register_commands(app):
    app.cli.add_command(divisions_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(seed_demo)
    app.cli.add_command(tasks_cli)
    app.cli.add_command(calendar_cli)
    app.cli.add_command(demand_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(audit_cli)
    app.cli.add_command(keys_cli)
    from referral.stats.cli import stats_cli

    app.cli.add_command(stats_cli)
