"""Files holding personal data are the app account's alone (issue 13.5, referral/filemodes.py): the embedded
SQLite database and task queue, attachments, export ZIPs and their directories are created 0600/0700 even
under the usual umask of 022, which would otherwise make them readable by every account on the machine."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage

from referral import create_app, tasks
from referral.extensions import db
from tests.helpers import png_bytes


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def usual_umask():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_the_embedded_database_and_task_queue_are_private(app, tmp_path):
    data = tmp_path / "fresh-instance"
    made = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{data / 'referral.db'}",
                      TASK_QUEUE_URL=f"sqlite:///{data / 'queue' / 'tasks.db'}")
    try:
        assert mode(data / "referral.db") == 0o600 and mode(data) == 0o700
        assert mode(data / "queue" / "tasks.db") == 0o600 and mode(data / "queue") == 0o700
        with made.app_context():
            db.session.execute(db.text("CREATE TABLE t (x)"))  # SQLite writes a journal: it keeps the file's mode
            db.session.commit()
            db.engine.dispose()
        assert mode(data / "referral.db") == 0o600
    finally:
        tasks.init_app(app)  # the queue is process-wide: back to the test app's immediate mode


def test_attachment_files_and_every_directory_above_them_are_private(app, tmp_path, create_user):
    from referral.attachments.services import store_upload
    from referral.auth.permissions import Role

    root = tmp_path / "new" / "store"
    app.config["ATTACHMENT_ROOT"] = str(root)
    actor = create_user(Role.INSTITUTION_ADMIN, username="uploader")
    row = store_upload(FileStorage(io.BytesIO(png_bytes()), filename="licence.png"), owner_type="institution",
                       owner_id=1, kind="licence_scan", actor=actor)
    kept = root / row.storage_key
    assert mode(kept) == 0o600
    for directory in (kept.parent, kept.parent.parent, root, root / "tmp", root.parent):
        assert mode(directory) == 0o700, directory


def test_export_zips_are_private(app, referred_case, people, tmp_path):
    from referral.documents import exports

    app.config["EXPORT_ROOT"] = str(tmp_path / "new-exports")
    export = exports.request_export(actor=people["officer"], code="application", case_ids=[referred_case.id],
                                    filters={}, base_url="http://jk.test/")
    db.session.commit()  # the queue (immediate in tests) builds the ZIP
    path = exports.zip_path(db.session.get(type(export), export.id))
    assert path is not None and path.exists()
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
