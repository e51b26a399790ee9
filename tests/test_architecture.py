"""Principle 1 of docs/architecture.md#principles: the state machine is the only writer of a state."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATE_ATTRIBUTES = {"stage", "state", "status"}


def assignments_to_state(path: Path):
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            if isinstance(target, ast.Attribute) and target.attr in STATE_ATTRIBUTES:
                yield f"{where}:{node.lineno}"
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "setattr" and len(node.args) >= 2:
            name = node.args[1]
            if isinstance(name, ast.Constant) and name.value in STATE_ATTRIBUTES:
                yield f"{where}:{node.lineno}"


def test_no_state_assignment_outside_workflows():
    offenders = [hit for folder in ("referral", "forms") for path in sorted((ROOT / folder).rglob("*.py"))
                 for hit in assignments_to_state(path)]
    assert offenders == []


def test_the_check_itself_finds_an_assignment(tmp_path):
    sample = tmp_path / "sample_state_assignment.py"
    sample.write_text("case.stage = 'closed'\nsetattr(case, 'state', 'x')\n", encoding="utf-8")
    assert len(list(assignments_to_state(sample))) == 2


def test_workflows_do_not_import_flask_or_the_database():
    for path in (ROOT / "workflows").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            for name in names:
                assert not name.startswith(("flask", "sqlalchemy", "referral")), f"{path}: imports {name}"


def _package_imports() -> dict[str, set[str]]:
    """referral's packages (and top-level modules) → the ones they import, at any depth of a module."""
    import ast as _ast

    edges: dict[str, set[str]] = {}
    for path in (ROOT / "referral").rglob("*.py"):
        parts = path.relative_to(ROOT / "referral").with_suffix("").parts
        if parts == ("__init__",):
            continue  # the app factory wires every feature together: it may import them all
        source = parts[0]
        for node in _ast.walk(_ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, _ast.ImportFrom) and (node.module or "").startswith("referral."):
                target = node.module.split(".")[1]
                if target != source:
                    edges.setdefault(source, set()).add(target)
    return edges


def test_no_import_cycles_between_the_named_packages():
    # docs/architecture.md#layout: documents build on cases and registries, registries on accounts, and the
    # shared column types (referral/models.py) on nothing of the features.
    edges = _package_imports()
    for lower, upper in (("cases", "documents"), ("registries", "documents"), ("auth", "registries")):
        assert upper not in edges.get(lower, set()), f"{lower} imports {upper}"
    for feature, targets in edges.items():
        assert not ("models" in targets and feature in edges.get("models", set())), f"models <-> {feature}"
    assert edges.get("models", set()) <= {"extensions"}
