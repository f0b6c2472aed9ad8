"""The engine stays pure: no Django, DRF or Celery anywhere in scope3/engine (STYLE.md)."""

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[1] / "engine"
FORBIDDEN = ("django", "rest_framework", "celery", "kombu")


def imported_modules(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def test_no_engine_module_imports_a_framework():
    modules = sorted(ENGINE.rglob("*.py"))
    assert len(modules) >= 5  # the scan really read the engine
    offending = [
        f"{path.name}: {name}"
        for path in modules
        for name in imported_modules(path)
        if name.split(".")[0] in FORBIDDEN
    ]
    assert offending == []


def test_engine_imports_and_runs_with_frameworks_blocked():
    # A fresh interpreter where importing any framework raises: the engine must still load
    # (with all its submodules) and estimate a line.
    script = textwrap.dedent(
        f"""
        import datetime, sys
        from decimal import Decimal

        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in {FORBIDDEN!r}:
                    raise ImportError("blocked: " + name)
                return None

        sys.meta_path.insert(0, Block())
        import scope3.engine as engine
        import pkgutil, importlib
        for info in pkgutil.iter_modules(engine.__path__):
            importlib.import_module("scope3.engine." + info.name)
        ctx = engine.EstimationContext(factor_set=engine.FactorSet())
        line = engine.SpendLineInput(
            line_id=1, external_id="x", vendor_id=None, date=datetime.date(2024, 1, 1),
            amount=Decimal("1"), currency="USD",
        )
        print(engine.estimate_line(ctx, line).method)
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in {FORBIDDEN!r})
        print(loaded)
        """
    )
    completed = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ENGINE.parents[1],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.splitlines() == ["unaccounted", "[]"]
