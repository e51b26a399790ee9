"""Notifications (issue 11.3): who is told of each event, the clock job's escalation across the grace period
with a frozen day, idempotency, the bell, the list, the API, and e-mail through a real SMTP server."""

from __future__ import annotations

import threading
import warnings
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from referral.calendar import add_working_days
from referral.cases import services as case_services
from referral.cases.models import Case
from referral.extensions import db
from referral.notifications import services
from referral.notifications.models import Notification
from tests.helpers import application, bearer, csrf_token, fire, login


def _kinds_of(user, object_type: str = "case") -> list[tuple[str, str, int]]:
    return sorted(db.session.execute(select(Notification.kind, Notification.object_type, Notification.object_id)
                                     .where(Notification.user_id == user.id,
                                            Notification.object_type == object_type)).all())


def _count() -> int:
    return db.session.scalar(select(func.count(Notification.id)))


def _registered_case(people):
    body = application()
    who = body["applicant"]
    case = case_services.submit_application(actor=people["hospital"], data={
        "channel": body["channel"], "assister_role": body["assister_role"], "name": who["name"],
        "id_number": who["id_number"], "phone": who["phone"], "address": who["address"],
        "division_code": who["division"], "guardian_name": body["guardian"]["name"],
        "guardian_relation": body["guardian"]["relation"], "guardian_phone": body["guardian"]["phone"],
        "needs": body["needs"], "service_types": body["service_types"], "consent_signer": "applicant"})
    db.session.commit()
    return case


def test_a_referral_tells_the_institution_and_a_decline_tells_the_county(people):
    case = _registered_case(people)
    case_services.advance_case(case, actor=people["officer"], event="register", verification="已核实")
    case_services.advance_case(case, actor=people["officer"], event="refer", institution_id=people["inst"].id)
    db.session.commit()
    for member in (people["inst_admin"], people["staff"]):
        assert _kinds_of(member) == [("referral_received", "case", case.id)]
    assert _kinds_of(people["officer"]) == []
    case_services.advance_case(case, actor=people["inst_admin"], event="decline", reason_code="no_capacity")
    db.session.commit()
    assert _kinds_of(people["officer"]) == [("referral_declined", "case", case.id)]
    assert _kinds_of(people["other_officer"]) == []  # another county's officer hears nothing
    # Referred again to the same institution: a new event, so a new notification.
    case_services.advance_case(case, actor=people["officer"], event="refer", institution_id=people["inst"].id)
    db.session.commit()
    assert _kinds_of(people["staff"]) == [("referral_received", "case", case.id)] * 2
    subject = db.session.scalar(select(Notification.subject).where(Notification.user_id == people["staff"].id).limit(1))
    assert subject == case.receipt_no  # a receipt number, never the person's name


def test_a_return_tells_the_assister_who_applied(people):
    case = _registered_case(people)
    case_services.advance_case(case, actor=people["officer"], event="return", reason="请补充诊断证明")
    db.session.commit()
    assert _kinds_of(people["hospital"]) == [("case_returned", "case", case.id)]


def test_registry_decisions_and_a_removal_proposal_tell_the_owner(draft, officials):
    inst, admin = draft
    fire(inst, admin, "submit")
    assert _kinds_of(admin, "institution") == []  # submitting is the owner's own act
    fire(inst, officials["county"], "county_approve")
    fire(inst, officials["city"], "city_confirm")
    fire(inst, officials["county"], "propose_removal", reason="抽查不合格", reason_code="misconduct")
    assert _kinds_of(admin, "institution") == [("registry_decision", "institution", inst.id)] * 2 + [
        ("removal_proposed", "institution", inst.id)]


@pytest.fixture
def clocked(people):
    """An application waiting for registration: its clock is the referral officer's."""
    case = _registered_case(people)
    return db.session.get(Case, case.id)


def test_the_clock_job_tells_the_actor_then_the_county_then_after_the_grace_period_the_city(app, people, clocked):
    due = clocked.due_date
    grace = app.config["ESCALATION_GRACE_WORKING_DAYS"]
    # Three working days before the due date: nothing yet.
    assert services.escalate(today=add_working_days(due, -3)).created == 0
    # Due soon: the referral officer of the county.
    services.escalate(today=add_working_days(due, -1))
    db.session.commit()
    assert _kinds_of(people["officer"]) == [("due_soon", "case", clocked.id)]
    assert _kinds_of(people["county"]) == []
    # Overdue, within the grace period: the officer and the county officials, not the city.
    services.escalate(today=add_working_days(due, 1))
    db.session.commit()
    assert _kinds_of(people["officer"]) == [("due_soon", "case", clocked.id), ("overdue", "case", clocked.id)]
    assert _kinds_of(people["county"]) == [("overdue", "case", clocked.id)]
    assert _kinds_of(people["county2"]) == [("overdue", "case", clocked.id)]
    assert _kinds_of(people["city"]) == []
    # On the last day of grace the city still hears nothing; one working day later it does.
    services.escalate(today=add_working_days(due, grace))
    db.session.commit()
    assert _kinds_of(people["city"]) == []
    services.escalate(today=add_working_days(due, grace + 1))
    db.session.commit()
    assert _kinds_of(people["city"]) == [("overdue", "case", clocked.id)]
    assert _kinds_of(people["other_city"]) == [] and _kinds_of(people["other_county"]) == []
    assert _kinds_of(people["province"]) == []


def test_running_the_clock_job_twice_tells_nobody_twice(app, people, clocked):
    late = add_working_days(clocked.due_date, app.config["ESCALATION_GRACE_WORKING_DAYS"] + 2)
    first = services.escalate(today=late)
    db.session.commit()
    recipients = set(db.session.scalars(select(Notification.user_id).where(Notification.object_type == "case")))
    assert recipients == {people[k].id for k in ("officer", "county", "county2", "city")}
    assert first.created == 4
    before = _count()
    again = services.escalate(today=late)
    db.session.commit()
    assert again.created == 0 and _count() == before


def test_a_new_step_is_a_new_clock(app, people, clocked):
    services.escalate(today=clocked.due_date)  # due today: due soon
    db.session.commit()
    case_services.advance_case(clocked, actor=people["officer"], event="register", verification="已核实")
    db.session.commit()
    services.escalate(today=clocked.due_date)
    db.session.commit()
    keys = db.session.scalars(select(Notification.key).where(Notification.user_id == people["officer"].id)
                              .order_by(Notification.id)).all()
    assert len(keys) == 2 and ":applied:" in keys[0] and ":registered:" in keys[1]


def test_registry_review_clocks_reach_the_county_and_then_the_city(app, draft, officials):
    inst, admin = draft
    fire(inst, admin, "submit")
    due = inst.due_date
    services.escalate(today=add_working_days(due, 1))
    db.session.commit()
    assert _kinds_of(officials["county"], "institution") == [("overdue", "institution", inst.id)]
    assert _kinds_of(officials["city"], "institution") == []
    services.escalate(today=add_working_days(due, app.config["ESCALATION_GRACE_WORKING_DAYS"] + 1))
    db.session.commit()
    assert _kinds_of(officials["city"], "institution") == [("overdue", "institution", inst.id)]


def test_the_periodic_task_runs_the_job_and_commits(app, people, clocked):
    from referral.notifications.tasks import escalate_clocks

    clocked.due_date = clocked.due_date - timedelta(days=30)  # long overdue (a set-up, not the app's act)
    db.session.commit()
    escalate_clocks()  # immediate mode: runs now, in its own app context and session
    db.session.expire_all()
    assert _kinds_of(people["officer"]) == [("overdue", "case", clocked.id)]
    assert _kinds_of(people["city"]) == [("overdue", "case", clocked.id)]


def test_the_bell_the_list_and_reading(client, people, clocked):
    services.escalate(today=clocked.due_date)
    db.session.commit()
    officer = people["officer"]
    login(client, officer)
    page = client.get("/cases/").get_data(as_text=True)
    assert "通知，1 条未读" in page
    listing = client.get("/notifications/").get_data(as_text=True)
    assert "即将到期" in listing and clocked.receipt_no in listing and "未读" in listing
    assert clocked.applicant_name not in listing
    [n] = db.session.scalars(select(Notification).where(Notification.user_id == officer.id)).all()
    token = csrf_token(client, "/notifications/")
    opened = client.post(f"/notifications/{n.id}/open", data={"csrf_token": token})
    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/cases/{clocked.id}")
    db.session.expire_all()
    assert db.session.get(Notification, n.id).read_at is not None
    assert "通知，0 条未读" in client.get("/cases/").get_data(as_text=True)


def test_someone_elses_notification_is_404(client, people, clocked):
    services.escalate(today=clocked.due_date)
    db.session.commit()
    n = db.session.scalar(select(Notification).where(Notification.user_id == people["officer"].id))
    login(client, people["county"])
    assert client.get(f"/notifications/{n.id}").status_code == 404
    token = csrf_token(client, "/notifications/")
    assert client.post(f"/notifications/{n.id}/open", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/api/v1/notifications/{n.id}/read", headers=bearer(people["county"])).status_code == 404


def test_mark_all_read(client, people, clocked):
    services.escalate(today=add_working_days(clocked.due_date, 1))
    db.session.commit()
    login(client, people["officer"])
    token = csrf_token(client, "/notifications/")
    answer = client.post("/notifications/read-all", data={"csrf_token": token}, follow_redirects=True)
    assert "已将 1 条通知标为已读" in answer.get_data(as_text=True)
    assert services.unread_count(people["officer"]) == 0


def test_the_api_lists_and_reads(client, people, clocked):
    services.escalate(today=add_working_days(clocked.due_date, -1))
    services.escalate(today=add_working_days(clocked.due_date, 1))
    db.session.commit()
    headers = bearer(people["officer"])
    body = client.get("/api/v1/notifications", headers=headers).get_json()
    assert body["unread"] == 2 and [i["kind"] for i in body["items"]] == ["overdue", "due_soon"]
    item = body["items"][0]
    assert item["object"] == {"type": "case", "id": clocked.id, "label": clocked.receipt_no} and item["read"] is False
    read = client.post(f"/api/v1/notifications/{item['id']}/read", headers=headers)
    assert read.status_code == 200 and read.get_json()["read"] is True
    unread = client.get("/api/v1/notifications?unread=1", headers=headers).get_json()
    assert unread["unread"] == 1 and [i["kind"] for i in unread["items"]] == ["due_soon"]
    bad = client.get("/api/v1/notifications?unread=maybe", headers=headers)
    assert bad.status_code == 422 and "unread" in bad.get_json()["error"]["fields"]


class _SmtpSink:
    """A real SMTP server on a loopback port (the standard library's, deprecated but present in 3.11)."""

    def __init__(self):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            import asyncore
            import smtpd
        self.messages: list[tuple[str, list[str], bytes]] = []
        sink = self

        class Server(smtpd.SMTPServer):
            def process_message(self, peer, mailfrom, rcpttos, data, **kwargs):
                sink.messages.append((mailfrom, rcpttos, data))

        self.server = Server(("127.0.0.1", 0), None, decode_data=False)
        self.port = self.server.socket.getsockname()[1]
        self._asyncore = asyncore
        self.thread = threading.Thread(target=asyncore.loop, kwargs={"timeout": 0.1}, daemon=True)
        self.thread.start()

    def close(self):
        self.server.close()
        self.thread.join(2)


def test_email_carries_the_kind_and_a_link_only(app, people, clocked):
    sink = _SmtpSink()
    try:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port, PUBLIC_URL="https://jk.example.gov.cn")
        officer = people["officer"]
        officer.email = "officer@example.gov.cn"
        db.session.commit()
        services.escalate(today=clocked.due_date)
        db.session.commit()  # the e-mail task is enqueued by this commit (and runs: immediate mode)
        for _ in range(50):
            if sink.messages:
                break
            threading.Event().wait(0.05)
    finally:
        sink.close()
        app.config["MAIL_SERVER"] = None
    [(sender, recipients, data)] = sink.messages
    text = data.decode("utf-8", "replace")
    assert recipients == ["officer@example.gov.cn"]
    n = db.session.scalar(select(Notification).where(Notification.user_id == officer.id))
    assert n.emailed_at is not None
    import email

    message = email.message_from_bytes(data)
    body = message.get_payload(decode=True).decode("utf-8")
    assert f"https://jk.example.gov.cn/notifications/{n.id}" in body and "即将到期" in body
    assert clocked.receipt_no not in body and clocked.applicant_name not in body and clocked.receipt_no not in text
    # Accounts without an address get none, and nothing is sent twice.
    from referral.notifications.tasks import send_emails

    assert send_emails.call_local([n.id]) == 0


def test_no_email_without_smtp(app, people, clocked):
    people["officer"].email = "officer@example.gov.cn"
    db.session.commit()
    services.escalate(today=clocked.due_date)
    db.session.commit()
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.emailed_at.is_not(None))) == 0


def test_roles_without_a_clock_hear_nothing_of_it(people, clocked):
    services.escalate(today=add_working_days(clocked.due_date, 10))
    db.session.commit()
    for who in ("staff", "inst_admin", "hospital", "community", "province", "other_officer"):
        assert _kinds_of(people[who]) == [], who
