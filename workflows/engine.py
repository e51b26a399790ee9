"""What every machine shares: build a ``transitions`` Machine around an adapter for one operation,
fire an allow-listed event, and turn every kind of refusal into one ``ActionRefused``.

Machines are built per operation (about 0.1 ms): no shared machine, no add/remove_model book-keeping,
nothing to leak between threads (docs/architecture.md#workflows)."""

from __future__ import annotations

from dataclasses import dataclass, field

from transitions import Machine, MachineError


class ActionRefused(Exception):
    """An event that may not happen now: unknown, not from this state, or a condition failed.
    ``reason`` names the first failed condition, so the caller can say why."""

    def __init__(self, action: str, reason: str | None = None):
        super().__init__(f"{action}: {reason or 'not allowed now'}")
        self.action = action
        self.reason = reason


@dataclass
class Fired:
    event: str
    source: object
    dest: object
    data: dict = field(default_factory=dict)


class Flow:
    """Base adapter, the machine's model. A subclass wraps one row and the facts its conditions read,
    and exposes ``state`` as a property over the row's column: the only writer of that column.

    ``gating`` names the conditions about *who* acts (role, scope, four-eyes); the others check the
    event's data. Only gating conditions decide which buttons a user sees."""

    gating: frozenset[str] = frozenset()
    # Conditions that only pick between transitions sharing one event (e.g. the assessment result): their
    # failure is not the reason to report when another condition failed too.
    selectors: frozenset[str] = frozenset()

    def __init__(self):
        self.failures: list[str] = []

    @property
    def failed(self) -> str | None:
        reasons = [f for f in self.failures if f not in self.selectors] or self.failures
        return reasons[0] if reasons else None


def events_of(table: list[dict]) -> frozenset[str]:
    return frozenset(t["trigger"] for t in table)


def _conditions(flow: Flow, names, only=None):
    def wrap(name):
        def check(event) -> bool:
            ok = bool(getattr(flow, name)(event.kwargs))
            if not ok:
                flow.failures.append(name)
            return ok

        return check

    return [wrap(n) for n in names if only is None or n in only]


def fire(flow: Flow, *, states, table: list[dict], action: str, **data) -> Fired:
    if action not in events_of(table):
        raise ActionRefused(action, "unknown_event")
    before = flow.state
    machine_table = [{"trigger": t["trigger"], "source": t["source"], "dest": t["dest"],
                      "conditions": _conditions(flow, t.get("conditions", ()))} for t in table]
    # initial=<stored state>: the default 'initial' would overwrite the row's state when the model is added.
    Machine(model=flow, states=states, transitions=machine_table, initial=before, auto_transitions=False,
            send_event=True)
    flow.failures = []
    try:
        done = flow.trigger(action, **data)
    except MachineError as exc:
        raise ActionRefused(action, "wrong_state") from exc
    if not done:
        raise ActionRefused(action, flow.failed or "condition_failed")
    return Fired(action, before, flow.state, data)


def available(flow: Flow, *, table: list[dict]) -> list[str]:
    """Events this actor may fire from the current state, in table order (gating conditions only)."""
    out = []
    for row in table:
        source = row["source"]
        sources = source if isinstance(source, list | tuple | set | frozenset) else [source]
        if flow.state in sources and row["trigger"] not in out:
            if all(getattr(flow, c)({}) for c in row.get("conditions", ()) if c in flow.gating):
                out.append(row["trigger"])
    return out
