"""Which app may import which: the floors of docs/architecture.md ("Which app may import which").

Every import statement of every app module (migrations and tests aside), at module level or
inside a function, is read from the source with ``ast``; an import of another app must go to a
lower floor, or sideways where the table allows it. A failure names the line, the two apps and the
rule, so a new upward import fails here rather than in a reader's head.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)

# The table of docs/architecture.md: the floor of each app; an app imports only lower floors.
FLOORS = {
    "accounts": 0,
    "config": 0,
    "assurance": 1,
    "operations": 1,
    "vendors": 2,
    "contracts": 3,
    "procurement": 3,
    "scope3": 3,
    "reconciliation": 4,
    "reminders": 4,
    "targets": 4,
    "tenderleaf": 5,
}
# Imports between apps of one floor that the table allows (importer, imported).
SIDEWAYS = {
    ("config", "accounts"),
    ("operations", "assurance"),
    ("procurement", "contracts"),  # an award drafts a contract
    ("procurement", "scope3"),  # bid footprints use emission factors
}
# The project wiring names every app by design and no app imports it.
WIRING = ("config.urls", "config.api_urls", "config.celery", "config.wsgi", "config.asgi")
# Imports that break the table today: (importer module, imported module prefix) -> why, and the
# home they should move to. Keep in step with "Known exceptions" in docs/architecture.md.
KNOWN_EXCEPTIONS: dict[tuple[str, str], str] = {}
RULE = 'docs/architecture.md, "Which app may import which"'


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, e.g. "vendors.services.disclosures"
    lineno: int
    imported: str  # the imported module (or module.name), e.g. "scope3.selectors"
    lazy: bool  # inside a function

    @property
    def importer_app(self) -> str:
        return self.module.split(".")[0]

    @property
    def imported_app(self) -> str:
        return self.imported.split(".")[0]


def _local_apps() -> list[str]:
    return sorted(
        {name.split(".")[0] for name in settings.INSTALLED_APPS if (ROOT / name).is_dir()}
        | {"config"}
    )


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, apps: set[str], root: Path = ROOT):
    module = _module_name(path, root)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))

    def walk(node, lazy: bool):
        for child in ast.iter_child_nodes(node):
            inner = lazy or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            names = []
            if isinstance(child, ast.Import):
                names = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                # "from vendors import extensions" imports the module vendors.extensions.
                names = [f"{child.module}.{alias.name}" for alias in child.names]
            for name in names:
                if name.split(".")[0] in apps:
                    yield Import(module, child.lineno, name, inner)
            yield from walk(child, inner)

    yield from walk(tree, False)


def _app_imports() -> list[Import]:
    apps = set(_local_apps())
    found = []
    for app in sorted(apps):
        for path in sorted((ROOT / app).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if "migrations" in parts or "tests" in parts:
                continue
            found += [i for i in _imports(path, apps) if i.importer_app != i.imported_app]
    return found


def _excepted(imp: Import) -> tuple[str, str] | None:
    for importer, imported in KNOWN_EXCEPTIONS:
        if imp.module == importer and (
            imp.imported == imported or imp.imported.startswith(imported + ".")
        ):
            return importer, imported
    return None


def _kind(module: str) -> str | None:
    parts = module.split(".")[1:]
    return "services" if "services" in parts else "tasks" if "tasks" in parts else None


def _services_tasks(imp: Import) -> bool:
    """A lazy import between a services module and a tasks module (a service queues a task on
    commit, the task calls the service): the one kind of circle the rules allow."""
    return imp.lazy and {_kind(imp.module), _kind(imp.imported)} == {"services", "tasks"}


def _allowed(imp: Import) -> bool:
    importer, imported = imp.importer_app, imp.imported_app
    if imp.module.startswith(WIRING):
        return True
    if FLOORS[imported] < FLOORS[importer] or (importer, imported) in SIDEWAYS:
        return True
    return _services_tasks(imp)


def test_every_app_has_a_floor():
    missing = [app for app in _local_apps() if app not in FLOORS]
    assert not missing, (
        f"{', '.join(missing)} has no floor: add it to the table of {RULE} and to FLOORS here."
    )


def test_apps_import_only_lower_floors():
    broken = []
    for imp in _app_imports():
        if _allowed(imp) or _excepted(imp):
            continue
        importer, imported = imp.importer_app, imp.imported_app
        broken.append(
            f"{imp.module}:{imp.lineno} imports {imp.imported}: {importer} (floor "
            f"{FLOORS[importer]}) may not import {imported} (floor {FLOORS[imported]}). A lower "
            "app learns about a higher one by the higher one registering itself in its "
            f"AppConfig.ready() (as vendors/extensions.py), never by importing it ({RULE})."
        )
    assert not broken, "\n".join(broken)


def test_known_exceptions_still_exist():
    """An exception whose import went away is removed here and in the document."""
    used = {_excepted(imp) for imp in _app_imports() if not _allowed(imp)}
    stale = [f"{a} -> {b}" for a, b in KNOWN_EXCEPTIONS if (a, b) not in used]
    assert not stale, (
        f"No longer imported: {', '.join(stale)}. Remove them from KNOWN_EXCEPTIONS and from "
        f'"Known exceptions" in docs/architecture.md.'
    )


def test_no_app_imports_the_top_floor():
    offenders = [
        f"{imp.module}:{imp.lineno}"
        for imp in _app_imports()
        if imp.imported_app == "tenderleaf" and not imp.module.startswith(WIRING)
    ]
    assert not offenders, f"tenderleaf is the top floor ({RULE}); imported by {offenders}"


def test_the_check_sees_lazy_imports_and_allows_only_services_tasks_ones(tmp_path):
    """Imports inside functions count, so a lazy upward import is not hidden; only a lazy
    services <-> tasks one passes."""
    source = tmp_path / "vendors" / "services" / "probe.py"
    source.parent.mkdir(parents=True)
    source.write_text(
        "import os\n\n\ndef f():\n    from reminders.selectors import x\n"
        "    from reminders.tasks import y\n"
    )
    selectors, tasks = _imports(source, set(FLOORS), root=tmp_path)
    assert (selectors.module, selectors.imported, selectors.lazy) == (
        "vendors.services.probe",
        "reminders.selectors.x",
        True,
    )
    assert not _allowed(selectors) and not _excepted(selectors)
    assert _allowed(tasks)
