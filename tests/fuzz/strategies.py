"""Hypothesis strategies for the fuzz tests: values a field's JSON Schema allows (so the input gets past the
type checks and into the services) mixed with hostile ones — integers beyond the database's, NUL, lone
surrogates, overlong and right-to-left text, NaN and infinities, wrong types, deep nesting (issue 13.1)."""

from __future__ import annotations

import json

from hypothesis import strategies as st

HUGE_INTS = st.sampled_from([2**31 - 1, 2**31, -(2**31) - 1, 2**63, -(2**63) - 1, 10**30, 0, -1])
HOSTILE_TEXT = st.sampled_from([
    "\x00", "a\x00b", "\ud800", "\udfff", "x" * 5000, "中" * 3000, "\u202e\u0644\u0627", "𠀀𪚥", "\ufeff", "\r\n",
    "' OR 1=1 --", "<script>alert(1)</script>", "%s%n%x", "{{7*7}}", " ", "", "1e400", "NaN", "-0", "9" * 40,
    "2026-02-30", "0000-00-00", "9999-12-31", "10000-01-01", "2026-01-01T25:61:00", "../../etc/passwd",
    "220102198506151230", "💥" * 10, "\u0000\u0000", "Ⅻ", "٣٤", "\t",
])
HOSTILE_NUMBERS = st.sampled_from([float("inf"), float("-inf"), float("nan"), 1e20, 1e308, -1e308, 5e-324, -0.0,
                                   0.5, 1e400])


def deep(depth: int):
    return st.just(json.loads("[" * depth + "]" * depth))


HOSTILE = st.one_of(
    HUGE_INTS, st.integers(), HOSTILE_NUMBERS, st.floats(), HOSTILE_TEXT, st.text(max_size=40), st.booleans(),
    st.none(), st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
    deep(15), deep(40),
)


def valid(schema: dict):
    """Values the schema allows (approximately: patterns and formats are followed, lengths are not cut)."""
    kind = schema.get("type")
    if "enum" in schema:
        return st.sampled_from(schema["enum"]) if schema["enum"] else st.text(max_size=5)
    if kind == "object":
        return obj(schema)
    if kind == "array":
        return st.lists(value(schema.get("items", {})), max_size=schema.get("maxItems", 3) or 3)
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        return st.integers(schema.get("minimum"), schema.get("maximum"))
    if kind == "number":
        return st.floats(schema.get("minimum"), schema.get("maximum"), allow_nan=False)
    fmt = schema.get("format")
    if fmt == "date":
        return st.dates().map(str)
    if fmt == "date-time":
        return st.datetimes().map(lambda d: d.isoformat(timespec="seconds"))
    if fmt == "email":
        return st.emails()
    if "pattern" in schema:
        return st.from_regex(schema["pattern"], fullmatch=True)
    return st.text(max_size=schema.get("maxLength", 30) or 30)


def value(schema: dict):
    """Mostly allowed, sometimes hostile: a third of the draws try to break the field."""
    return st.one_of(valid(schema), valid(schema), HOSTILE)


def obj(schema: dict):
    props = schema.get("properties", {})
    required = set(schema.get("required", ()))
    # The required keys are there most of the time (so the body reaches the service), the others now and then.
    body = st.fixed_dictionaries({k: value(s) for k, s in props.items() if k in required},
                                 optional={k: value(s) for k, s in props.items() if k not in required})
    extra = st.dictionaries(st.text(max_size=8), HOSTILE, max_size=1)
    return st.one_of(body, body, body, st.builds(lambda a, b: {**a, **b}, body, extra), HOSTILE)


def _sendable(text: str) -> bool:
    """A URL carries UTF-8 bytes: a lone surrogate cannot be sent at all (its bytes, %ED%A0%80, are tried)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


URL_TEXT = st.one_of(HOSTILE_TEXT, st.text(max_size=20)).filter(_sendable)


def query(parameters: list[dict]):
    """A query string's parameters as text, from the document's ``in: query`` parameters."""
    as_text = st.one_of(*(st.builds(str, s) for s in (HUGE_INTS, HOSTILE_NUMBERS)), URL_TEXT)
    fields = {p["name"]: st.one_of(valid(p["schema"]).map(_text).filter(_sendable), as_text) for p in parameters}
    extra = st.dictionaries(URL_TEXT.filter(bool), URL_TEXT, max_size=1)
    as_dict = st.builds(lambda a, b: {**b, **a}, st.fixed_dictionaries({}, optional=fields), extra)
    # A raw query string: bytes that are not UTF-8, a NUL, a key without a value.
    raw = st.sampled_from([f"{p['name']}={v}" for p in parameters for v in ("%ED%A0%80", "%FF%FE", "%00", "", "%")]
                          + [p["name"] for p in parameters])
    return st.one_of(as_dict, as_dict, as_dict, raw)


def _text(v) -> str:
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, list):
        return ",".join(map(str, v))
    return str(v)


def form_value():
    """One value of an HTML form field: any text, or something hostile as text (a browser posts only text)."""
    return st.one_of(st.text(max_size=30), HOSTILE_TEXT, st.builds(str, HUGE_INTS), st.builds(str, HOSTILE_NUMBERS),
                     st.dates().map(str), st.sampled_from(["y", "on", "1", "true", "false", "220102"]))
