"""What every machine shares: build a ``transitions`` Machine around an adapter for one operation, fire an
allow-listed event, and turn every kind of refusal into one ``ActionRefused`` that says what kind it is.

- ``Flow``: the adapter (the machine's model) over one row's state column; subclasses carry the table and
  the condition methods, each marked beside its definition: ``@who`` (403), ``@needs(field, message)`` (422
  on that field), ``@blocks(message)`` (409, a fact of the row), ``@selector`` (picks a branch).
- ``fire`` / ``available`` / ``dry_run``: change the state, list the events this actor may fire now, or say
  why an event would be refused without touching the row.
- ``required_fields``: which data an event needs, read from the table and the ``@needs`` markers.
- ``ColumnFlow``: the adapter for small machines without conditions (exports, referrals).

Machines are built per operation (about 0.1 ms): no shared machine, no add/remove_model book-keeping,
nothing to leak between threads (docs/architecture.md#workflows). Messages are marked with ``N_`` for the
catalogue and translated where they are shown (``referral/errors.py: refusal_error``)."""

from __future__ import annotations

import copy
import enum
from dataclasses import dataclass, field
from types import SimpleNamespace

from transitions import Machine, MachineError

# The kinds of refusal: the wrong person (403), data the user must supply (422), the wrong state or a fact of
# the row (409). A selector only picks a branch; its refusal is of kind STATE.
WHO, DATA, STATE, SELECTOR = "who", "data", "state", "selector"


class ActionRefused(Exception):
    """An event that may not happen now: unknown, not from this state, or a condition failed.
    ``reason`` names the first failed condition; ``kind`` (WHO, DATA or STATE), ``field`` and ``message``
    are what the flow declared for it, so the caller can say why without a list of its own."""

    def __init__(self, action: str, reason: str | None = None, *, kind: str = STATE, field: str | None = None,
                 message: str | None = None):
        super().__init__(f"{action}: {reason or 'not allowed now'}")
        self.action, self.reason = action, reason
        self.kind, self.field, self.message = kind, field, message


@dataclass(frozen=True)
class Condition:
    """What a condition method is, declared beside it by one of the markers below."""

    kind: str  # WHO, DATA, STATE, or SELECTOR
    field: str | None = None  # DATA: the field that satisfies it; SELECTOR: the field that picks the branch
    message: str | None = None

    @property
    def gating(self) -> bool:
        """Decides which buttons a user sees (checked without the event's data)."""
        return self.kind in (WHO, STATE)


def _marker(spec: Condition):
    def mark(method):
        method.condition = spec
        return method

    return mark


def who(message=None):
    """A condition about *who* acts (role, scope, four-eyes): hides the button; refused with 403 and the
    flow's ``refused_who`` message unless one is given. Usable bare (``@who``) or called."""
    if callable(message):
        return _marker(Condition(WHO))(message)
    return _marker(Condition(WHO, message=message))


def needs(field_name: str, message: str):
    """A condition on the event's data (or on what the service derived from it): ``field_name`` is what the
    user fills in; refused with 422 on that field. Its field is required by every event that carries it."""
    return _marker(Condition(DATA, field_name, message))


def blocks(message: str | None = None):
    """A fact of the row that hides the button and refuses with 409 (e.g. the statement window still open)."""
    return _marker(Condition(STATE, message=message))


def selector(field_name=None):
    """Only picks between transitions sharing one event (e.g. the assessment's result). Its failure is not
    the reason reported when another condition failed too. ``field_name``: the input that picks (required)."""
    if callable(field_name):
        return _marker(Condition(SELECTOR))(field_name)
    return _marker(Condition(SELECTOR, field_name))


@dataclass
class Fired:
    event: str
    source: object
    dest: object
    data: dict = field(default_factory=dict)


class Flow:
    """Base adapter, the machine's model. It wraps one row and exposes ``state`` as a property over the row's
    ``column``: the only writer of that column. A subclass names its ``states`` and ``table``, takes the
    acting party and the facts its conditions read, and marks each condition method (see the module doc).

    ``conditions``, ``gating`` and ``selectors`` are collected from the markers when the class is defined."""

    states: type[enum.Enum] | list[str] = ()
    table: list[dict] = []
    column = "state"
    refused_who: str | None = None  # message of a WHO refusal whose condition gives none (None: the default 403)
    refused_state: str | None = None  # message of a STATE refusal (wrong state, unmarked condition, selector)

    conditions: dict[str, Condition] = {}
    gating: frozenset[str] = frozenset()
    selectors: frozenset[str] = frozenset()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.conditions = {name: getattr(cls, name).condition for name in dir(cls)
                          if callable(getattr(cls, name, None)) and hasattr(getattr(cls, name), "condition")}
        cls.gating = frozenset(n for n, c in cls.conditions.items() if c.gating)
        cls.selectors = frozenset(n for n, c in cls.conditions.items() if c.kind == SELECTOR)

    def __init__(self, row):
        self.row = row
        self.failures: list[str] = []

    @property
    def state(self):
        value = getattr(self.row, self.column)
        return self.states(value) if isinstance(self.states, enum.EnumMeta) else str(value)

    @state.setter
    def state(self, value):
        setattr(self.row, self.column, self.states(value) if isinstance(self.states, enum.EnumMeta) else value)

    @property
    def failed(self) -> str | None:
        reasons = [f for f in self.failures if f not in self.selectors] or self.failures
        return reasons[0] if reasons else None

    def refusal(self, action: str, reason: str) -> ActionRefused:
        """The refusal for a failed condition (or ``wrong_state``/``unknown_event``), as the flow declared it."""
        spec = self.conditions.get(reason)
        if spec is not None and spec.kind == WHO:
            return ActionRefused(action, reason, kind=WHO, message=spec.message or self.refused_who)
        if spec is not None and spec.kind == DATA:
            return ActionRefused(action, reason, kind=DATA, field=spec.field, message=spec.message)
        message = spec.message if spec is not None and spec.message else self.refused_state
        return ActionRefused(action, reason, kind=STATE, message=message)


class ColumnFlow(Flow):
    """The adapter for small machines without conditions: one column of one row (exports, referrals)."""

    def __init__(self, row, column: str, states, table: list[dict]):
        super().__init__(row)
        self.column, self.states, self.table = column, states, table


def events_of(table: list[dict]) -> frozenset[str]:
    return frozenset(t["trigger"] for t in table)


def _sources(row: dict) -> list:
    source = row["source"]
    return list(source) if isinstance(source, list | tuple | set | frozenset) else [source]


def _conditions(flow: Flow, names, assume=frozenset()):
    def wrap(name):
        def check(event) -> bool:
            ok = name in assume or bool(getattr(flow, name)(event.kwargs))
            if not ok:
                flow.failures.append(name)
            return ok

        return check

    return [wrap(n) for n in names]


def _fire(flow: Flow, action: str, data: dict, assume=frozenset()) -> Fired:
    table = flow.table
    if action not in events_of(table):
        raise flow.refusal(action, "unknown_event")
    before = flow.state
    machine_table = [{"trigger": t["trigger"], "source": t["source"], "dest": t["dest"],
                      "conditions": _conditions(flow, t.get("conditions", ()), assume)} for t in table]
    # initial=<stored state>: the default 'initial' would overwrite the row's state when the model is added.
    Machine(model=flow, states=flow.states, transitions=machine_table, initial=before, auto_transitions=False,
            send_event=True)
    flow.failures = []
    try:
        done = flow.trigger(action, **data)
    except MachineError as exc:
        raise flow.refusal(action, "wrong_state") from exc
    if not done:
        raise flow.refusal(action, flow.failed or "condition_failed")
    return Fired(action, before, flow.state, data)


def fire(flow: Flow, action: str, /, **data) -> Fired:
    """Fire ``action`` with the event's ``data``; raises ``ActionRefused`` (its kind, field and message
    declared by the flow). On success the row's state column holds the destination."""
    return _fire(flow, action, data)


def dry_run(flow: Flow, action: str) -> ActionRefused | None:
    """The refusal ``fire`` would raise for this event, ignoring what the event's data would add (every
    ``@needs`` condition is taken as met), or None. Fires on a stand-in row: the row itself never changes.
    Pages use it to say why (403 wrong person, 409 wrong state) rather than show a form that can only fail."""
    stand_in = copy.copy(flow)
    stand_in.row = SimpleNamespace(**{flow.column: getattr(flow.row, flow.column)})
    data_conditions = frozenset(n for n, c in flow.conditions.items() if c.kind == DATA)
    try:
        _fire(stand_in, action, {}, assume=data_conditions)
    except ActionRefused as exc:
        return exc
    return None


def available(flow: Flow) -> list[str]:
    """Events this actor may fire from the current state, in table order (gating conditions only)."""
    out = []
    for row in flow.table:
        if flow.state in _sources(row) and row["trigger"] not in out:
            if all(getattr(flow, c)({}) for c in row.get("conditions", ()) if c in flow.gating):
                out.append(row["trigger"])
    return out


def required_fields(flow_class: type[Flow], event: str, state=None) -> list[str]:
    """The fields ``event`` needs (from ``state`` if given): those of its ``@needs`` conditions and of the
    ``@selector`` conditions that name a field, common to every transition of the event (a field only one
    branch needs, such as the reason of an unsuitable assessment, is not required up front)."""
    rows = [t for t in flow_class.table if t["trigger"] == event]
    if state is not None:
        rows = [t for t in rows if state in _sources(t)] or rows
    per_row = []
    for row in rows:
        specs = (flow_class.conditions.get(c) for c in row.get("conditions", ()))
        per_row.append([s.field for s in specs if s is not None and s.kind in (DATA, SELECTOR) and s.field])
    if not per_row:
        return []
    return [f for f in dict.fromkeys(per_row[0]) if all(f in other for other in per_row[1:])]
