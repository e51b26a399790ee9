"""Who is told what (docs/domain.md#notifications). Two sources:

- an event, in the transaction that fires it (``case_event``, ``entry_event``): the key names the event's
  history row, so one event tells each person once;
- the clocks, by the periodic job (``escalate``): every open step whose due date is near or past tells the
  party that must act; an overdue step also tells the county officials, and once it is more than
  ``ESCALATION_GRACE_WORKING_DAYS`` working days late, the city officials. The key names the step and its due
  date, so running the job again tells nobody twice, and a new step (a new due date) tells again.

Services flush, never commit; e-mails are sent by a task once the notifications are committed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import and_, func, insert, select, update

from referral.auth.models import User, UserRole
from referral.auth.permissions import Role
from referral.calendar import add_working_days, today_in_china, working_days_between
from referral.extensions import db
from referral.models import utcnow
from referral.notifications.models import Notification, NotificationKind, NotificationObject
from referral.tasks import enqueue_after_commit
from workflows.approval import ApprovalState
from workflows.case import CaseState

K = NotificationKind
# A clock is "due soon" from this many working days before its due date (the task list's 即将到期).
DUE_SOON_WORKING_DAYS = 2
CHUNK = 500


@dataclass(frozen=True)
class Draft:
    user_id: int
    kind: str
    object_type: str
    object_id: int
    key: str
    subject: str


# --- recipients ---------------------------------------------------------------------------------------------

def _with_role(*roles: Role):
    return select(User.id).join(UserRole, UserRole.user_id == User.id).where(
        User.active.is_(True), UserRole.role.in_([r.value for r in roles]))


def county_users(county: str, *roles: Role) -> list[int]:
    return list(db.session.scalars(_with_role(*roles).where(User.division_code == county).distinct()))


def city_officials(county: str) -> list[int]:
    return county_users(county[:4] + "00", Role.CITY_OFFICIAL)


def institution_users(institution_id: int | None, *roles: Role) -> list[int]:
    if institution_id is None:
        return []
    return list(db.session.scalars(_with_role(*roles).where(User.institution_id == institution_id).distinct()))


def entry_owners(entry) -> list[int]:
    """The account that answers for a registry entry: an institution's admins; a talent's own account, or
    else the admins of the institutions it works for."""
    from referral.registries.models import Talent

    if isinstance(entry, Talent):
        if entry.user_id is not None:
            return [entry.user_id]
        return sorted({uid for iid in entry.institution_ids for uid in institution_users(iid, Role.INSTITUTION_ADMIN)})
    return institution_users(entry.id, Role.INSTITUTION_ADMIN)


# --- writing ------------------------------------------------------------------------------------------------

def _store(drafts: Iterable[Draft]) -> list[int]:
    """Insert the drafts not already there (by user and key), in batches of one INSERT each; returns the new
    rows' ids. The unique key stays the final guard against a concurrent run."""
    drafts = list({(d.user_id, d.key): d for d in drafts}.values())
    created: list[int] = []
    now = utcnow()
    for start in range(0, len(drafts), CHUNK):
        chunk = drafts[start:start + CHUNK]
        have = set(db.session.execute(select(Notification.user_id, Notification.key).where(
            Notification.key.in_({d.key for d in chunk}),
            Notification.user_id.in_({d.user_id for d in chunk}))).all())
        rows = [{"user_id": d.user_id, "kind": d.kind, "object_type": d.object_type, "object_id": d.object_id,
                 "key": d.key, "subject": d.subject, "created_at": now} for d in chunk if (d.user_id, d.key) not in have]
        if rows:
            created += db.session.scalars(insert(Notification).returning(Notification.id), rows).all()
    if created and current_app.config.get("MAIL_SERVER"):
        from referral.notifications.tasks import send_emails

        enqueue_after_commit(send_emails, created)
    return created


def _drafts(users: Iterable[int], kind: K, object_type: NotificationObject, object_id: int, key: str,
            subject: str) -> list[Draft]:
    return [Draft(uid, kind.value, object_type.value, object_id, key, subject) for uid in set(users)]


# --- events -------------------------------------------------------------------------------------------------

def case_event(case, event: str, history_id: int) -> list[int]:
    """After a case event (referral/cases/services.py: advance_case): the party that must act next."""
    users, kind = [], None
    if event == "refer":
        users, kind = institution_users(case.institution_id, Role.INSTITUTION_ADMIN, Role.INSTITUTION_STAFF), \
            K.REFERRAL_RECEIVED
    elif event == "return" and case.created_by_id is not None:
        users, kind = [case.created_by_id], K.CASE_RETURNED
    elif event == "decline":
        users, kind = county_users(case.division_code, Role.REFERRAL_OFFICER), K.REFERRAL_DECLINED
    if not users:
        return []
    return _store(_drafts(users, kind, NotificationObject.CASE, case.id, f"{kind}:case:{case.id}:{history_id}",
                          case.receipt_no))


REGISTRY_DECISIONS = frozenset({"county_approve", "county_return", "county_reject", "city_confirm", "city_return",
                                "city_reject", "suspend", "reinstate", "remove", "withdraw_removal", "revoke"})


def entry_event(entry, kind_name: str, event: str, decision_id: int) -> list[int]:
    """After a registry decision (referral/registries/services.py: advance_entry): the entry's owners."""
    if event == "propose_removal":
        kind = K.REMOVAL_PROPOSED
    elif event in REGISTRY_DECISIONS:
        kind = K.REGISTRY_DECISION
    else:
        return []
    obj = NotificationObject(kind_name)
    return _store(_drafts(entry_owners(entry), kind, obj, entry.id, f"{kind}:{obj}:{entry.id}:{decision_id}",
                          entry.name))


# --- clocks -------------------------------------------------------------------------------------------------

# Who acts in each clocked case state (docs/domain.md#deadlines).
_OFFICER_STATES = frozenset({CaseState.APPLIED, CaseState.REGISTERED})
_ADMIN_STATES = frozenset({CaseState.REFERRED})
_INSTITUTION_STATES = frozenset({CaseState.ASSESSING, CaseState.ASSESSED, CaseState.IN_SERVICE, CaseState.CLOSED})
ESCALATED_CASE_STATES = _OFFICER_STATES | _ADMIN_STATES | _INSTITUTION_STATES
ESCALATED_ENTRY_STATES = frozenset({ApprovalState.COUNTY_REVIEW, ApprovalState.CITY_REVIEW,
                                    ApprovalState.REMOVAL_PENDING})


@dataclass
class EscalationResult:
    created: int = 0
    cases: int = 0
    entries: int = 0


def escalate(today: date | None = None) -> EscalationResult:
    """The periodic job's work: notifications for every open clock due within ``DUE_SOON_WORKING_DAYS`` or
    past due. Idempotent (keys); flushes, the caller commits."""
    from referral.cases.models import Case
    from referral.registries.models import Institution, Talent

    today = today or today_in_china()
    soon = add_working_days(today, DUE_SOON_WORKING_DAYS)
    grace = current_app.config["ESCALATION_GRACE_WORKING_DAYS"]
    late_by: dict[date, int] = {}

    def days_late(due: date) -> int:
        if due not in late_by:
            late_by[due] = working_days_between(due, today)
        return late_by[due]

    result = EscalationResult()
    people = _PeopleCache()
    last_id = 0
    while True:  # keyset pages over the due-date index: the job's memory does not grow with the country
        rows = db.session.execute(
            select(Case.id, Case.state, Case.due_date, Case.division_code, Case.institution_id, Case.receipt_no)
            .where(Case.due_date <= soon, Case.state.in_([s.value for s in ESCALATED_CASE_STATES]),
                   Case.id > last_id).order_by(Case.id).limit(CHUNK)).all()
        if not rows:
            break
        last_id = rows[-1].id
        drafts: list[Draft] = []
        for row in rows:
            overdue = row.due_date < today
            kind = K.OVERDUE if overdue else K.DUE_SOON
            state = CaseState(row.state)
            if state in _OFFICER_STATES:
                actors = people.county(row.division_code, Role.REFERRAL_OFFICER)
            elif state in _ADMIN_STATES:
                actors = people.institution(row.institution_id, Role.INSTITUTION_ADMIN)
            else:
                actors = people.institution(row.institution_id, Role.INSTITUTION_ADMIN, Role.INSTITUTION_STAFF)
            users = set(actors)
            if overdue:
                users |= set(people.county(row.division_code, Role.COUNTY_OFFICIAL))
                if days_late(row.due_date) > grace:
                    users |= set(people.county(row.division_code[:4] + "00", Role.CITY_OFFICIAL))
            key = f"{kind}:case:{row.id}:{state}:{row.due_date.isoformat()}"
            drafts += _drafts(users, kind, NotificationObject.CASE, row.id, key, row.receipt_no)
        result.cases += len(rows)
        result.created += len(_store(drafts))

    for model, obj in ((Institution, NotificationObject.INSTITUTION), (Talent, NotificationObject.TALENT)):
        entries = db.session.scalars(select(model).where(
            model.due_date <= soon, model.state.in_([s.value for s in ESCALATED_ENTRY_STATES]))
            .order_by(model.id)).all()
        drafts = []
        for entry in entries:
            overdue = entry.due_date < today
            kind = K.OVERDUE if overdue else K.DUE_SOON
            state = ApprovalState(entry.state)
            if state == ApprovalState.COUNTY_REVIEW:
                users = set(people.county(entry.division_code, Role.COUNTY_OFFICIAL))
                if overdue and days_late(entry.due_date) > grace:
                    users |= set(people.county(entry.division_code[:4] + "00", Role.CITY_OFFICIAL))
            elif state == ApprovalState.CITY_REVIEW:
                users = set(people.county(entry.division_code[:4] + "00", Role.CITY_OFFICIAL))
            else:  # the statement window: the owner may still answer; once it has run out, the city decides
                users = set(people.county(entry.division_code[:4] + "00", Role.CITY_OFFICIAL)) if overdue \
                    else set(entry_owners(entry))
            key = f"{kind}:{obj}:{entry.id}:{state}:{entry.due_date.isoformat()}"
            drafts += _drafts(users, kind, obj, entry.id, key, entry.name)
        result.entries += len(entries)
        result.created += len(_store(drafts))
    return result


class _PeopleCache:
    """The recipients by county or institution, asked once per job run."""

    def __init__(self):
        self._county: dict = {}
        self._institution: dict = {}

    def county(self, code: str, *roles: Role) -> list[int]:
        key = (code, roles)
        if key not in self._county:
            self._county[key] = county_users(code, *roles)
        return self._county[key]

    def institution(self, institution_id: int | None, *roles: Role) -> list[int]:
        key = (institution_id, roles)
        if key not in self._institution:
            self._institution[key] = institution_users(institution_id, *roles)
        return self._institution[key]


# --- reading ------------------------------------------------------------------------------------------------

def notifications_of(user, *, unread: bool = False):
    stmt = select(Notification).where(Notification.user_id == user.id)
    if unread:
        stmt = stmt.where(Notification.read_at.is_(None))
    return stmt.order_by(Notification.created_at.desc(), Notification.id.desc())


def unread_count(user) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = utcnow()
    db.session.flush()


def mark_all_read(user) -> int:
    result = db.session.execute(update(Notification).where(
        and_(Notification.user_id == user.id, Notification.read_at.is_(None))).values(read_at=utcnow()))
    return result.rowcount or 0


def object_url(notification: Notification) -> str:
    from flask import url_for

    if notification.object_type == NotificationObject.CASE:
        return url_for("cases.detail", case_id=notification.object_id)
    if notification.object_type == NotificationObject.INSTITUTION:
        return url_for("registries.institution", institution_id=notification.object_id)
    return url_for("registries.talent", talent_id=notification.object_id)


__all__ = ["case_event", "entry_event", "escalate", "mark_all_read", "mark_read", "notifications_of",
           "object_url", "unread_count"]
