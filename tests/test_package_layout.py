"""The package layout says what ARCHITECTURE.md says: stages as packages, imports only from
the same stage or an earlier one, no cycles, z3 only in the solver engines, modules that fit
on a few screens, and a wheel that carries the grammar, the schemas and the entry points."""
from __future__ import annotations

import ast
import os
import subprocess
import sys
import zipfile
from importlib import resources
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "checker"
MAX_MODULE_LINES = 600

# Stages in import order: a module may import modules of its own stage or of an earlier one.
# `ir` comes before `typecheck` because it is the vocabulary the type checker builds.
STAGES = ("frontend", "ir", "typecheck", "layoutcheck", "engines", "reports", "cli")
TOP_LEVEL = {"checker": "frontend", "checker.pytest_plugin": "cli"}


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def stage_of(module: str) -> str:
    if module in TOP_LEVEL:
        return TOP_LEVEL[module]
    return module.split(".")[1]


def imports_of(path: Path) -> set[str]:
    """Every checker module `path` imports, at any depth of the file (function-level too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            assert node.level == 0, f"{path}: relative import; checker uses absolute imports"
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
GRAPH = {name: {m for m in imports_of(path) if m in MODULES and m != name} for name, path in MODULES.items()}


def test_every_module_belongs_to_a_stage():
    for name in MODULES:
        assert stage_of(name) in STAGES, f"{name} is in no stage of {STAGES}"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_run_only_to_earlier_stages(name):
    mine = STAGES.index(stage_of(name))
    for imported in GRAPH[name]:
        if imported == "checker":
            continue
        assert STAGES.index(stage_of(imported)) <= mine, f"{name} ({stage_of(name)}) imports {imported}"


def test_the_engine_families_do_not_import_each_other():
    """The concrete engines check the solver engines (replay): they share no code. The bit-level
    engine builds on the symbolic one's encoder, never the other way."""
    for name, imported in GRAPH.items():
        for other in imported:
            for a, b in (("symbolic", "concrete"), ("concrete", "symbolic"), ("aiger", "concrete"),
                         ("concrete", "aiger"), ("symbolic", "aiger")):
                assert not (name.startswith(f"checker.engines.{a}") and other.startswith(f"checker.engines.{b}")), \
                    f"{name} imports {other}"


def test_no_import_cycles():
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        if name in path:
            raise AssertionError("import cycle: " + " -> ".join(path[path.index(name):] + [name]))
        if name in done:
            return
        for imported in sorted(GRAPH[name]):
            if not (name.startswith(imported + ".") or imported == "checker"):  # a package is its modules' parent
                visit(imported, path + [name])
        done.add(name)

    for name in sorted(MODULES):
        visit(name, [])


# the bit-level engine's modules that read Z3 terms: the bit-blaster, the export and the re-check
Z3_IN_THE_BIT_LEVEL_ENGINE = {"checker.engines.aiger.blast", "checker.engines.aiger.export",
                              "checker.engines.aiger.certificate"}


def test_only_the_solver_engines_import_z3():
    importers = {name for name, path in MODULES.items() if "z3" in {m.split(".")[0] for m in imports_of(path)}}
    assert importers, "nothing imports z3: the check below would be empty"
    outside = {name for name in importers
               if not name.startswith("checker.engines.symbolic.") and name not in Z3_IN_THE_BIT_LEVEL_ENGINE}
    assert not outside, sorted(outside)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_fit_on_a_few_screens(name):
    lines = MODULES[name].read_text().count("\n")
    assert lines <= MAX_MODULE_LINES, f"{name}: {lines} lines"


def test_package_data_is_found_through_the_package():
    assert "start:" in resources.files("checker.frontend").joinpath("grammar.lark").read_text()
    schemas = resources.files("checker.reports").joinpath("schemas")
    assert {p.name for p in schemas.iterdir()} >= {"mdcheck-results.schema.json", "mdcheck-list.schema.json"}


def test_the_wheel_carries_every_module_the_data_and_the_entry_points(tmp_path):
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(tmp_path), str(REPO)], capture_output=True, text=True, timeout=1800)
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("mdcheck-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in MODULES.values():
        assert path.relative_to(REPO).as_posix() in names
    assert "checker/frontend/grammar.lark" in names
    assert {"checker/reports/schemas/mdcheck-results.schema.json",
            "checker/reports/schemas/mdcheck-list.schema.json"} <= names
    (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "mdcheck = checker.cli:main" in text and "mdcheck = checker.pytest_plugin" in text
    models = {p.name for p in (REPO / "models").glob("*.md")}
    assert models and {f"checker/models/{name}" for name in models} <= names


def test_a_spec_outside_the_repository_imports_the_models_of_the_installed_wheel(tmp_path):
    """The wheel unpacked is the package as pip installs it: a plain `import buddy` from a
    folder outside the repository finds the models shipped in it, shown by a short path."""
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(tmp_path / "wheel"), str(REPO)], capture_output=True, text=True, timeout=1800)
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "wheel").glob("mdcheck-*.whl")
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    work = tmp_path / "work"
    work.mkdir()
    (work / "spec.md").write_text("# outside\n\n```mdcheck\nimport buddy\n\n"
                                  "invariant orders_in_range: forall p in Pfn: blocks[p].head => "
                                  "blocks[p].order <= MAX_ORDER\n\n"
                                  "config small {\n    depth 1\n    NPAGES = 4\n    NHEADS = 3\n}\n```\n")
    (work / "dup.md").write_text("# outside\n\n```mdcheck\nimport buddy\nconst PAGE_TYPE_BUDDY = 1\n```\n")
    environment = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MDCHECK_PATH")}
    environment["PYTHONPATH"] = str(site)

    def mdcheck(*argv: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "checker.cli", *argv],
                              cwd=work, env=environment, capture_output=True, text=True, timeout=600)

    where = subprocess.run(
        [sys.executable, "-c", "import checker; print(checker.__file__)"], cwd=work, env=environment,
        capture_output=True, text=True, timeout=60)
    assert where.stdout.strip() == str(site / "checker" / "__init__.py")
    checked = mdcheck("spec.md", "--engine", "bmc")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    duplicate = mdcheck("dup.md")
    assert duplicate.returncode == 3
    assert "<mdcheck>/models/buddy.md:" in duplicate.stderr and "../" not in duplicate.stderr, duplicate.stderr
