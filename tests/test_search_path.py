"""Where `import NAME` finds a model (issue 21): the importing file's folder, then -I folders
in order, then MDCHECK_PATH, then `models/` folders upward, then mdcheck's own models; how
imported files are shown in messages; the hint `import NAME` for a name a model declares."""
from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from checker.cli import run
from checker.cli.options import EXIT_OK, EXIT_SPEC_ERROR
from checker.frontend.loader import load_spec
from checker.frontend.search_path import PACKAGED_LABEL, SearchPath, packaged_models, resolve_import

REPO = Path(__file__).resolve().parents[1]


def md(*lines: str) -> str:
    return "# test\n\n```mdcheck\n" + "\n".join(lines) + "\n```\n"


def mdcheck(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


COUNTER = ("var x: 0..3", "init { x = 0 }", "action up() { require x < 3\n x = x + 1 }")


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """spec/ with a spec importing `mine`; lib1/ and lib2/ each define `mine` (MINE = 1, 2)."""
    monkeypatch.delenv("MDCHECK_PATH", raising=False)
    for n in (1, 2):
        (tmp_path / f"lib{n}").mkdir()
        (tmp_path / f"lib{n}" / "mine.md").write_text(md(f"const MINE = {n}"))
    (tmp_path / "spec").mkdir()
    (tmp_path / "spec" / "s.md").write_text(md("import mine", *COUNTER, "invariant one: MINE == 1"))
    monkeypatch.chdir(tmp_path / "spec")
    return tmp_path


def test_without_a_search_path_the_model_is_not_found(tree):
    code, _, err = mdcheck("s.md", "--engine", "bmc", "--depth", "1")
    assert code == EXIT_SPEC_ERROR and "error[MDC203]: cannot find model 'mine'" in err
    assert "-I DIR or MDCHECK_PATH" in err


def test_dash_i_folders_are_searched_in_order(tree):
    assert mdcheck("s.md", "--engine", "bmc", "--depth", "1", "-I", "../lib1", "-I", "../lib2")[0] == EXIT_OK
    code, out, _ = mdcheck("s.md", "--engine", "bmc", "--depth", "1", "-I", "../lib2", "-I", "../lib1")
    assert code != EXIT_OK and "one" in out


def test_mdcheck_path_comes_after_dash_i(tree, monkeypatch):
    monkeypatch.setenv("MDCHECK_PATH", os.pathsep.join([str(tree / "nowhere"), str(tree / "lib1")]))
    assert mdcheck("s.md", "--engine", "bmc", "--depth", "1")[0] == EXIT_OK
    assert mdcheck("s.md", "--engine", "bmc", "--depth", "1", "-I", "../lib2")[0] != EXIT_OK


def test_simulate_takes_dash_i(tree):
    assert mdcheck("simulate", "s.md", "--runs", "2", "--steps", "2", "-I", "../lib1")[0] == EXIT_OK


def test_jobs_workers_search_the_same_path(tree):
    """--jobs workers read the spec again: the search path reaches them through Options."""
    (tree / "spec" / "s.md").write_text(md("import mine", *COUNTER, "invariant one: MINE == 1",
                                           "config a { depth 1 }", "config b { depth 1 }"))
    code, _, err = mdcheck("s.md", "--engine", "bmc", "--jobs", "2", "-I", "../lib1")
    assert code == EXIT_OK, err


def test_a_missing_dash_i_folder_is_a_usage_error(tree):
    code, _, err = mdcheck("s.md", "-I", "../nowhere")
    assert code == EXIT_SPEC_ERROR and "error[MDC501]: -I ../nowhere: no such folder" in err


def test_the_importing_folder_comes_first_and_a_local_model_shadows_the_packaged_one(tmp_path):
    (tmp_path / "buddy.md").write_text(md("const LOCAL_BUDDY = 1"))
    packaged = packaged_models()
    assert packaged and os.path.isfile(os.path.join(packaged, "buddy.md"))
    search = SearchPath.of((), None, packaged)
    assert resolve_import("buddy", str(tmp_path), search)[0] == str(tmp_path / "buddy.md")
    assert resolve_import("memory", str(tmp_path), search)[0] == os.path.join(packaged, "memory.md")
    assert resolve_import("memory", str(tmp_path), SearchPath()) is None


def test_models_folders_upward_come_before_the_packaged_models(tmp_path):
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "memory.md").write_text(md("const LOCAL = 1"))
    (tmp_path / "a" / "b").mkdir(parents=True)
    search = SearchPath.of((), None, packaged_models())
    assert resolve_import("memory", str(tmp_path / "a" / "b"), search)[0] == str(tmp_path / "models" / "memory.md")


def test_the_packaged_models_are_found_from_a_folder_outside_the_repository(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.md").write_text(md("import buddy", "const PAGE_TYPE_BUDDY = 1"))
    code, _, err = mdcheck("s.md")
    # the duplicate's note points into the packaged model, by a short path
    assert code == EXIT_SPEC_ERROR and "error[MDC202]" in err
    (shown,) = [line for line in err.splitlines() if "note: first defined here" in line]
    assert shown.startswith(f"{PACKAGED_LABEL}/models/buddy.md:"), shown


def test_an_imported_file_outside_the_cwd_is_shown_by_its_absolute_path(tree):
    (tree / "lib1" / "mine.md").write_text(md("const MINE = nosuch"))
    code, _, err = mdcheck("s.md", "-I", "../lib1")
    assert code == EXIT_SPEC_ERROR
    assert err.startswith(f"{tree / 'lib1' / 'mine.md'}:4:14: error[MDC201]"), err
    assert "../" not in err


def test_a_spec_given_by_a_relative_path_outside_the_cwd_is_shown_absolute(tree, monkeypatch):
    (tree / "elsewhere").mkdir()
    monkeypatch.chdir(tree / "elsewhere")
    (tree / "lib1" / "mine.md").write_text(md("const MINE = nosuch"))
    spec = load_spec("../spec/s.md", SearchPath.of(("../lib1",)))
    assert spec.path == str(tree / "spec" / "s.md")


def test_an_unknown_name_a_model_declares_hints_at_its_import(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.md").write_text(md(*COUNTER, "invariant small: x < NPAGES"))
    code, _, err = mdcheck("s.md")
    assert code == EXIT_SPEC_ERROR and "error[MDC201]: unknown name 'NPAGES'" in err
    assert "  = hint: import memory" in err


def test_the_hint_names_a_model_found_through_dash_i(tree):
    (tree / "spec" / "s.md").write_text(md(*COUNTER, "invariant one: MINE == 1"))
    code, _, err = mdcheck("s.md", "-I", "../lib2")
    assert code == EXIT_SPEC_ERROR and "  = hint: import mine" in err


def test_no_hint_when_no_model_declares_the_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.md").write_text(md(*COUNTER, "invariant small: x < NO_MODEL_HAS_THIS"))
    code, _, err = mdcheck("s.md")
    assert code == EXIT_SPEC_ERROR and "hint: import" not in err


def test_the_pytest_plugin_takes_dash_i(tree):
    """`--mdcheck-args "-I DIR"` reaches the loader through read_options, --jobs workers too."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_") and k != "MDCHECK_PATH"}
    env["PYTHONPATH"] = str(REPO)
    for flags, passed in (("--engine bmc --depth 1", False), ("--engine bmc --depth 1 -I ../lib1", True),
                          ("--engine bmc --depth 1 --jobs 2 -I ../lib1", True)):
        proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "s.md",
                               f"--mdcheck-args={flags}"], cwd=tree / "spec", env=env, capture_output=True,
                              text=True, timeout=300)
        assert (proc.returncode == 0) == passed, flags + "\n" + proc.stdout + proc.stderr


def test_layout_check_takes_dash_i(tmp_path, monkeypatch):
    """A spec of the user's own, outside the repository, whose layout model lives in a folder
    given with -I: `mdcheck layout-check -I DIR` finds it, as `mdcheck -I DIR` does."""
    monkeypatch.delenv("MDCHECK_PATH", raising=False)
    (tmp_path / "mylib").mkdir()
    (tmp_path / "mylib" / "mylayout.md").write_text(md(
        'layout page[8] ctype "struct page" {',
        "    word 0: flags: u64",
        "}",
    ))
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "mine.md").write_text(md("import mylayout"))
    monkeypatch.chdir(tmp_path / "work")
    snapshot = str(REPO / "tests/data/layouts/btf-6.18.44-x86_64.json")
    code, _, err = mdcheck("layout-check", "mine.md", "--snapshot", snapshot)
    assert code == EXIT_SPEC_ERROR and "MDC203" in err
    code, out, err = mdcheck("layout-check", "-I", str(tmp_path / "mylib"), "mine.md", "--snapshot", snapshot)
    assert code == EXIT_OK, err
    assert "page.flags" in out
    code, _, err = mdcheck("layout-check", "-I", str(tmp_path / "nowhere"), "mine.md", "--snapshot", snapshot)
    assert code == EXIT_SPEC_ERROR and "MDC501" in err and "-I" in err
