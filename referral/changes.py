"""The signal that the data of a case, an institution or a talent changed (docs/domain.md#rendered-ahead).

The features that hold the data (cases, registries) send it after their flush; features that derive something
from that data subscribe (documents: rendering ahead, ``referral/documents/prerender.py``). A signal rather
than a call, because cases and registries do not import documents (docs/architecture.md#layout)."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: ``data_changed.send(subject_type, subject_id=…)``: subject_type is "case", "institution" or "talent".
data_changed = _signals.signal("data-changed")


def changed(subject_type: str, subject_id: int) -> None:
    """Tell the subscribers that the data of ``subject_type`` ``subject_id`` changed in this transaction."""
    data_changed.send(subject_type, subject_id=subject_id)
