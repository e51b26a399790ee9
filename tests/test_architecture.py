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
