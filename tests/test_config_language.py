"""Configurations that extend others (`extends`, `enable`, `abstract`), fn variants, and
invariants a configuration disables (issue 21)."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from test_proofs import PAIR as PROOFS_PAIR
from wall import HANG_SECONDS

from checker.cli import run
from checker.frontend.diagnostics import SpecError
from checker.frontend.loader import load_spec
from checker.typecheck import collect_declarations, configuration_names, lower

REPO = Path(__file__).resolve().parent.parent
EXPANDED = REPO / "tests" / "data" / "expanded"  # specs as they were before they used `extends`


def write_spec(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "spec.md"
    path.write_text("# test spec\n\n```mdcheck\n" + textwrap.dedent(body).strip() + "\n```\n")
    return path


def decls_of(tmp_path: Path, body: str):
    return collect_declarations(load_spec(str(write_spec(tmp_path, body))))


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(["--no-timing", *argv], out, err)
    return code, out.getvalue(), err.getvalue()


# ---- extends: each configuration of a rewritten spec is the model it was ----

@pytest.mark.parametrize("spec", ["ptdesc.md"])
def test_configurations_written_with_extends_lower_to_the_models_of_the_expanded_text(spec):
    new = collect_declarations(load_spec(str(REPO / "specs" / spec)))
    old = collect_declarations(load_spec(str(EXPANDED / spec)))
    assert configuration_names(new) == configuration_names(old)
    assert any(c.parent for c in new.configs.values())
    for name in configuration_names(old):
        assert lower(new, name) == lower(old, name), name
    first, second = configuration_names(old)[:2]
    assert lower(new, first) != lower(old, second)  # the comparison does tell models apart


BASE = """
    const N = 4
    const M = 1
    var x: 0..15
    var y: 0..15
    init { x = 0; y = 0 }
    action step[one]() { require x < N; x += 1 }
    action step[two]() { require x + 1 < N; x += 2 }
    action other() { require y < M; y += 1 }
    action third() { y = 0 }
    invariant x_small: x < N
    invariant y_small: y <= M
    lemma y_bounded: y <= 15
"""


def test_a_child_starts_from_everything_its_parent_sets(tmp_path):
    decls = decls_of(tmp_path, BASE + """
    config parent "the parent" {
        depth 3
        N = 6
        use step = two
        disable third
        disable y_bounded
        expect x_small violated
    }
    config child extends parent {}
    """)
    parent, child = lower(decls, "parent"), lower(decls, "child")
    assert child.config == "child" and child.description == ""  # the description is not inherited
    assert (child.constants, child.actions, child.invariants, child.properties, child.depth) == \
        (parent.constants, parent.actions, parent.invariants, parent.properties, parent.depth)
    assert dict(child.constants)["N"] == 6 and child.depth == 3
    assert [a.variant for a in child.actions if a.name == "step"] == ["two"]
    assert "third" not in {a.name for a in child.actions} and "y_bounded" not in {i.name for i in child.invariants}
    assert child.property("x_small").expect == "violated"
    assert configuration_names(decls) == ("parent", "child")  # the parent is checked too


def test_what_a_child_sets_again_replaces_the_parents_and_its_disables_add(tmp_path):
    decls = decls_of(tmp_path, BASE + """
    config parent {
        depth 3
        N = 6
        use step = two
        disable third
        expect x_small violated
        expect y_small violated
    }
    config child extends parent {
        depth 5
        N = 8
        use step = one
        disable other
        enable third
        expect x_small holds
    }
    """)
    child = lower(decls, "child")
    assert child.depth == 5 and dict(child.constants)["N"] == 8 and dict(child.constants)["M"] == 1
    assert {(a.name, a.variant) for a in child.actions} == {("step", "one"), ("third", None)}
    assert child.property("x_small").expect == "holds"
    assert child.property("y_small").expect == "violated"


def test_a_chain_of_extends(tmp_path):
    decls = decls_of(tmp_path, BASE + """
    config c extends b { M = 3 }
    config b extends a { N = 7 }
    config a { N = 5; M = 2; depth 2; disable third; use step = one }
    """)
    c = lower(decls, "c")
    assert (dict(c.constants)["N"], dict(c.constants)["M"], c.depth) == (7, 3, 2)
    assert "third" not in {a.name for a in c.actions}
    assert configuration_names(decls) == ("c", "b", "a")


def test_disabling_a_property_drops_the_expectation_inherited_for_it(tmp_path):
    decls = decls_of(tmp_path, BASE + """
    config a { use step = one; expect x_small violated }
    config b extends a { disable x_small }
    """)
    b = lower(decls, "b")
    assert "x_small" not in {p.name for p in b.properties} and b.unchecked == ("x_small",)


def test_an_abstract_configuration_is_only_extended(tmp_path):
    decls = decls_of(tmp_path, BASE + """
    abstract config base { N = 2 }
    config one extends base { use step = one }
    """)
    assert configuration_names(decls) == ("one",)
    assert dict(lower(decls, "one").constants)["N"] == 2


def test_an_error_in_an_inherited_constant_names_the_configuration_that_set_it(tmp_path):
    decls = decls_of(tmp_path, BASE + """
    config a { use step = one; N = 1 / 0 }
    config b extends a {}
    """)
    with pytest.raises(SpecError) as raised:
        lower(decls, "b")
    (diagnostic,) = raised.value.diagnostics
    line_of_a = 1 + (tmp_path / "spec.md").read_text().splitlines().index("config a { use step = one; N = 1 / 0 }")
    assert diagnostic.span is not None and diagnostic.span.line == line_of_a  # spans carry over
    assert any("configuration 'a' (which 'b' extends) sets N" in note for note, _ in diagnostic.notes)


# ---- fn variants ----

FN_VARIANTS = """
    var x: 0..10
    init { x = 0 }
    fn cap[tight](): 0..10 = 3
    fn cap[loose](): 0..10 = 9
    action step() { require x < cap(); x += 1 }
    invariant x_small: x <= 3
    config tight { use cap = tight }
    config loose extends tight {
        use cap = loose
        expect x_small violated
    }
"""


def test_two_fn_variants_give_two_verdicts(tmp_path):
    path = write_spec(tmp_path, FN_VARIANTS)
    code, out, err = cli(str(path), "--depth", "5")
    assert code == 0, out + err
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("  ")}
    assert "PROVED" in lines["tight"] and "VIOLATED at depth 4 as expected: x_small" in lines["loose"]


# ---- invariants a configuration disables ----

UNRELATED = """
    var x: 0..10
    var y: 0..10
    init { x = 0; y = 0 }
    action step() { require x < 10; x += 1 }
    action bump() { require y < 10; y += 1 }
    invariant y_small: y < 2        // unrelated to the crash: breaks at depth 2
    invariant x_small: x < 4        // the crash: breaks at depth 4
    config crash "x reaches 4" {
        depth 4
        disable y_small
        expect x_small violated
    }
    config everything "both" {
        depth 4
        expect x_small violated
    }
"""


def test_a_disabled_invariant_leaves_the_expected_crash_the_only_finding(tmp_path):
    path = write_spec(tmp_path, UNRELATED)
    code, out, err = cli(str(path), "--config", "crash", "--summary-table")
    assert code == 0, out + err
    (line,) = [line for line in out.splitlines() if line.startswith("  crash")]
    assert "VIOLATED at depth 4 as expected: x_small" in line
    assert line.endswith("(1 invariant not checked: y_small)")
    assert "1 disabled invariant not checked (exit 0)" in out
    assert any(row.split()[:2] == ["crash", "y_small"] and "NOT CHECKED (disabled)" in row for row in out.splitlines())
    code, out, _ = cli(str(path), "--config", "everything")
    assert code == 1 and "y_small VIOLATED at depth 2 (expected: holds)" in out


def test_json_junit_and_sarif_state_the_disabled_invariant(tmp_path):
    path = write_spec(tmp_path, UNRELATED)
    code, out, _ = cli(str(path), "--config", "crash", "--format", "json",
                       "--junit", str(tmp_path / "r.xml"), "--sarif", str(tmp_path / "r.sarif"))
    assert code == 0
    schema = json.loads(resources.files("checker.reports").joinpath("schemas/mdcheck-results.schema.json")
                        .read_text())
    jsonschema.validate(json.loads(out), schema)
    (config,) = json.loads(out)["specs"][0]["configurations"]
    assert config["unchecked_invariants"] == ["y_small"]
    assert "y_small" not in {p["name"] for p in config["properties"]}
    junit = (tmp_path / "r.xml").read_text()
    assert 'skipped="1"' in junit and "disables invariant 'y_small'" in junit
    sarif = json.loads((tmp_path / "r.sarif").read_text())
    notes = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "not-checked"]
    assert len(notes) == 1 and notes[0]["level"] == "note" and "y_small" in notes[0]["message"]["text"]
    code, out, _ = cli(str(path), "--list", "--format", "json")
    listed = {c["name"]: c["unchecked_invariants"] for c in json.loads(out)["specs"][0]["configurations"]}
    assert listed == {"crash": ["y_small"], "everything": []}


# y_small alone is not inductive (y = 5, x = 0 steps to y = 6); with `same` assumed it is
# (test_proofs.py's PAIR, with `same` as an invariant that a configuration can disable).
PAIR = PROOFS_PAIR + """
    invariant same: x == y
    config both { depth 2 }
    config alone {
        depth 2
        disable same
    }
"""


def test_a_disabled_invariant_is_not_assumed_by_the_proof(tmp_path):
    path = write_spec(tmp_path, PAIR)
    code, out, err = cli(str(path))
    assert code == 0, out + err
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("  ")}
    assert "PROVED (all depths)" in lines["both"] and "not checked" not in lines["both"]
    assert "holds to depth 2 only" in lines["alone"] and "counterexamples to induction" in lines["alone"]
    assert lines["alone"].endswith("(1 invariant not checked: same)")
    model = lower(collect_declarations(load_spec(str(path))), "alone")
    assert [i.name for i in model.invariants] == ["y_small"] and model.unchecked == ("same",)


@pytest.mark.slow
def test_the_pytest_plugin_skips_a_disabled_invariant(tmp_path):
    write_spec(tmp_path, UNRELATED)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTHONPATH"] = str(REPO)
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rs", "spec.md",
                           "--mdcheck-args", "--config crash"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=HANG_SECONDS)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert "1 skipped" in output and "disables invariant 'y_small'" in output
