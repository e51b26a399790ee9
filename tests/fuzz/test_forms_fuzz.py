"""Every HTML form that posts (every POST route of the app), fuzzed (issue 13.9): the fields the page shows,
plus unknown ones, filled with any text and hostile text, posted with a valid CSRF token by a signed-in user of a
role that may post it (or anonymously, for the public forms). Never a 5xx."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from referral.auth.permissions import Role
from tests.fuzz import strategies as fz
from tests.fuzz.conftest import FUZZ
from tests.helpers import ANON, csrf_token, login

R = Role
# route rule → (URL, who posts, page whose form names the fields, when it is not the URL itself)
FORMS = {
    "/preferences/language": ("/preferences/language", ANON, "/"),
    "/preferences/text-size": ("/preferences/text-size", ANON, "/"),
    "/login": ("/login", ANON, None),
    "/logout": ("/logout", R.REFERRAL_OFFICER, "/"),
    "/account/password": ("/account/password", R.REFERRAL_OFFICER, None),
    "/me/pledge": ("/me/pledge", R.REFERRAL_OFFICER, None),
    "/account": ("/account", R.REFERRAL_OFFICER, None),
    "/account/sessions/<int:session_id>/end": ("/account/sessions/{session}/end", R.REFERRAL_OFFICER,
                                               "/account/sessions"),
    "/account/sessions/end-all": ("/account/sessions/end-all", R.REFERRAL_OFFICER, "/account/sessions"),
    "/login/totp": ("/login/totp", ANON, "/login"),
    "/account/totp": ("/account/totp", R.REFERRAL_OFFICER, None),
    "/account/totp/recovery-codes": ("/account/totp/recovery-codes", R.PROVINCE_OFFICIAL, "/account/totp"),
    "/account/totp/remove": ("/account/totp/remove", R.REFERRAL_OFFICER, "/account/totp"),
    "/users/grants/<int:grant_id>/approve": ("/users/grants/{grant}/approve", R.SYSADMIN, "/users/"),
    "/users/grants/<int:grant_id>/reject": ("/users/grants/{grant}/reject", R.SYSADMIN, "/users/"),
    "/users/new": ("/users/new", R.SYSADMIN, None),
    "/users/<int:user_id>/edit": ("/users/{target}/edit", R.SYSADMIN, None),
    "/users/<int:user_id>/active": ("/users/{target}/active", R.SYSADMIN, "/users/{target}"),
    "/users/staff/new": ("/users/staff/new", R.INSTITUTION_ADMIN, None),
    "/users/staff/<int:user_id>/active": ("/users/staff/{staff}/active", R.INSTITUTION_ADMIN, "/users/staff"),
    "/institutions/signup": ("/institutions/signup", ANON, None),
    "/institutions/<int:institution_id>/edit": ("/institutions/{inst}/edit", R.INSTITUTION_ADMIN, None),
    "/institutions/<int:institution_id>/attachments": ("/institutions/{inst}/attachments", R.INSTITUTION_ADMIN,
                                                       "/institutions/{inst}"),
    "/institutions/<int:institution_id>/licences": ("/institutions/{inst}/licences", R.INSTITUTION_ADMIN,
                                                    "/institutions/{inst}"),
    "/change-requests/<int:change_id>/<action>": ("/change-requests/{change}/approve_change", R.COUNTY_OFFICIAL,
                                                  "/registry/queue"),
    "/institutions/<int:institution_id>/events/<event>": ("/institutions/{inst}/events/suspend", R.COUNTY_OFFICIAL,
                                                          None),
    "/talents/<int:talent_id>/events/<event>": ("/talents/{talent}/events/suspend", R.COUNTY_OFFICIAL, None),
    "/talents/new": ("/talents/new", R.INSTITUTION_ADMIN, None),
    "/talents/<int:talent_id>/edit": ("/talents/{talent}/edit", R.INSTITUTION_ADMIN, None),
    "/talents/<int:talent_id>/reveal": ("/talents/{talent}/reveal", R.COUNTY_OFFICIAL, "/talents/{talent}"),
    "/talents/<int:talent_id>/training": ("/talents/{talent}/training", R.INSTITUTION_ADMIN, "/talents/{talent}"),
    "/supervision/spot-checks/draw": ("/supervision/spot-checks/draw", R.COUNTY_OFFICIAL, "/supervision/"),
    "/supervision/spot-checks/<int:check_id>": ("/supervision/spot-checks/{check}", R.COUNTY_OFFICIAL, None),
    "/institutions/<int:institution_id>/evaluations": ("/institutions/{inst}/evaluations", R.COUNTY_OFFICIAL, None),
    "/supervision/complaints/<int:complaint_id>": ("/supervision/complaints/{complaint}", R.COUNTY_OFFICIAL, None),
    "/supervision/complaints/<int:complaint_id>/<action>": ("/supervision/complaints/{complaint}/handle",
                                                            R.COUNTY_OFFICIAL, "/supervision/complaints/{complaint}"),
    "/directory/<int:institution_id>/complaint": ("/directory/{inst}/complaint", ANON, None),
    "/apply": ("/apply", ANON, None),
    "/apply/status": ("/apply/status", ANON, None),
    "/apply/resubmit": ("/apply/resubmit", ANON, "/apply/status"),
    "/apply/withdraw": ("/apply/withdraw", ANON, "/apply/status"),
    "/cases/new": ("/cases/new", R.REFERRAL_OFFICER, None),
    "/cases/<int:case_id>/reveal": ("/cases/{case}/reveal", R.REFERRAL_OFFICER, "/cases/{case}"),
    "/cases/<int:case_id>/events/<event>": ("/cases/{case}/events/accept", R.INSTITUTION_STAFF, None),
    "/cases/<int:case_id>/service-records": ("/cases/{case}/service-records", R.INSTITUTION_STAFF, "/cases/{case}"),
    "/cases/<int:case_id>/person": ("/cases/{case}/person", R.REFERRAL_OFFICER, None),
    "/cases/<int:case_id>/reveal-health": ("/cases/{case}/reveal-health", R.REFERRAL_OFFICER, "/cases/{case}/person"),
    "/<any(cases, institutions, talents):plural>/<int:subject_id>/documents/<code>/reissue":
        ("/cases/{case}/documents/application/reissue", R.REFERRAL_OFFICER, "/cases/{case}"),
    "/documents/exports/": ("/documents/exports/", R.REFERRAL_OFFICER, None),
    "/notifications/<int:notification_id>/open": ("/notifications/{notification}/open", R.INSTITUTION_ADMIN,
                                                  "/notifications/"),
    "/notifications/read-all": ("/notifications/read-all", R.INSTITUTION_ADMIN, "/notifications/"),
    "/demand/": ("/demand/", R.COUNTY_OFFICIAL, None),
    "/stats/<code>/export": ("/stats/220102/export", R.COUNTY_OFFICIAL, None),
    "/stats/export": ("/stats/export", R.COUNTY_OFFICIAL, None),
    "/purchases/issue": ("/purchases/issue", R.COUNTY_OFFICIAL, None),
    "/purchases/<int:statement_id>/events/<event>": ("/purchases/{statement}/events/confirm", R.INSTITUTION_ADMIN,
                                                     None),
    "/purchases/<int:statement_id>/export": ("/purchases/{statement}/export", R.COUNTY_OFFICIAL,
                                             "/purchases/{statement}"),
}
_NAME = re.compile(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"')
_SKIP = {"csrf_token", "file", "licence_scan", "import_file"}  # file parts: the upload tests' (tests/attachments/)


def test_every_post_route_is_fuzzed(app):
    rules = {r.rule for r in app.url_map.iter_rules() if "POST" in r.methods and not r.rule.startswith("/api/")}
    assert rules == set(FORMS), "add the new POST route to FORMS (tests/fuzz/test_forms_fuzz.py)"


@pytest.mark.parametrize("rule", sorted(FORMS))
def test_no_form_input_answers_a_server_error(client, world, rule):
    url_template, who, source = FORMS[rule]
    if who != ANON:
        login(client, world["users"][who])
    url = url_template.format(**world)
    page = client.get((source or url_template).format(**world))
    names = sorted(set(_NAME.findall(page.get_data(as_text=True))) - _SKIP) if page.status_code == 200 else []
    token = csrf_token(client, "/directory/")
    known = st.fixed_dictionaries({}, optional={n: fz.form_value() for n in names})
    extra = st.dictionaries(st.text(min_size=1, max_size=10), fz.form_value(), max_size=2)
    # A field posted twice (a select that allows one) and a list where one value is expected.
    repeated = st.lists(st.sampled_from(names), max_size=2) if names else st.just([])

    @FUZZ
    @given(known=known, extra=extra, repeated=repeated, with_token=st.sampled_from([True, True, True, False]))
    def probe(known, extra, repeated, with_token):
        data = [(k, v) for k, v in {**extra, **known}.items()] + [(k, "1") for k in repeated]
        if with_token:
            data.append(("csrf_token", token))
        response = client.post(url, data=_multidict(data))
        assert response.status_code < 500, (url, data, response.get_data(as_text=True)[:500])

    probe()


def _multidict(pairs):
    from werkzeug.datastructures import MultiDict

    return MultiDict([(k, v.encode("utf-8", "surrogatepass").decode("utf-8", "replace")) for k, v in pairs])
