"""Chinese first; English when chosen; the English catalogue covers every string in the source."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from referral.auth.permissions import Role
from tests.helpers import csrf_token, login

ROOT = Path(__file__).resolve().parent.parent


def test_chinese_by_default_even_for_an_english_browser(client):
    page = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="zh-CN"' in page and "登录精康转介平台" in page


def test_english_switch(client, create_user):
    login(client, create_user(Role.SYSADMIN, display_name="Admin"))
    response = client.post("/preferences/language", data={"csrf_token": csrf_token(client, "/"), "lang": "en",
                                                          "next": "/users/"})
    assert response.status_code == 302 and response.location == "/users/"
    page = client.get("/users/").get_data(as_text=True)
    assert '<html lang="en"' in page and "User management" in page and "用户管理" not in page


def test_text_size_switch_scales_the_page(client):
    response = client.post("/preferences/text-size", data={"csrf_token": csrf_token(client), "size": "larger",
                                                           "next": "https://evil.example/"})
    assert response.location == "/"  # no open redirect
    assert 'class="text-larger"' in client.get("/login").get_data(as_text=True)


def test_english_catalogue_is_complete(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", str(ROOT / "babel.cfg"),
                    "-k", "_l", "-k", "lazy_gettext",
                    "--ignore-dirs", ".* __pycache__", "--no-location", "-o", str(pot), str(ROOT)],
                   check=True, capture_output=True, cwd=ROOT)
    with pot.open("rb") as fh:
        source = {m.id for m in read_po(fh) if m.id}
    with (ROOT / "referral/translations/en/LC_MESSAGES/messages.po").open("rb") as fh:
        catalogue = {m.id: m.string for m in read_po(fh) if m.id}
    missing = sorted(msgid if isinstance(msgid, str) else msgid[0] for msgid in source
                     if not catalogue.get(msgid))
    assert missing == [], "run `pybabel extract` + `pybabel update` and translate these"
