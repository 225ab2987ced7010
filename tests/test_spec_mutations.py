"""Mutation check of specs/ptdesc.md: every documented bug, put back into `fixed`, is found.

`fixed` chooses the right variant of every proc that has a buggy one. Each mutation below
builds a copy of the spec whose `config fixed` block has one `use` line switched to the
variant the spec (or a model it imports) documents as the bug, writes it into a temporary
folder next to a copy of `models/`, runs the `mdcheck` CLI on `--config fixed`, and checks
that

- the exit code is 1 (an unexpected outcome) and the counterexamples replay (exit 4 if not);
- the summary table reports exactly the expected properties VIOLATED, each at its
  shortest depth, and every other property as expected (`ok`).

The unmutated `fixed` configuration is run at the same settings and must exit 0, so each
mutation test can fail: the violation comes from the switched line, not from the settings.

Engines and sizes. The main set uses the explicit engine (breadth-first, so each reported
depth is the shortest) on `fixed` as it is (8 pages, 3 ptdesc slots), to the depth of the
deepest crash the mutant documents: 1-4 s per case. BMC with Z3 cross-checks the same
expectations with `-D NPAGES=4`, to the depth of the mutant's first violation: 4-7 s at
depth 1, 11-20 s at depth 2 (two cores, other jobs running). No case takes 30 s, so none
is marked `slow`; the whole file takes about 2.5 minutes, two thirds of it BMC.

The last tests read the spec and the models without running the checker: every variant of
a proc that `fixed` chooses is either a mutation here or listed in NOT_BUGS with a reason,
and every crash configuration of the spec is one of the mutations, with its `expect ...
violated` properties among those the mutation is expected to break.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from wall import HANG_SECONDS

from checker.frontend import syntax as s
from checker.frontend.loader import load_spec
from checker.typecheck import collect_declarations, configuration_names
from checker.typecheck.declarations import configuration_items

REPO = Path(__file__).resolve().parent.parent
SPEC = REPO / "specs" / "ptdesc.md"
MODELS = REPO / "models"
CONFIG = "fixed"
KINDS = {"invariant", "lemma", "assert", "check"}
PAGE_PTDESC = "page_ptdesc: memdesc is a page table"


@dataclass(frozen=True)
class Mutation:
    id: str
    uses: tuple[tuple[str, str], ...]  # (proc, buggy variant) put into `config fixed`
    violated: dict[str, int]           # every property the mutant breaks -> its shortest depth
    boots: bool = False                # the bug is in boot: `fixed` must boot (see enable_boot)

    @property
    def depth(self) -> int:
        return max(self.violated.values())

    @property
    def first_depth(self) -> int:
        return min(self.violated.values())


MUTATIONS = [
    # Patch 6: alloc_pages_memdesc() writes the head page 1 << order times. One
    # pagetable_alloc(order >= 1) leaves the tail pages untagged.
    Mutation("patch6_loop", (("write_block_memdesc", "as_posted"),),
             {"tail_pages_tagged": 1, "table_pages_tagged_and_frozen": 1}),
    # Patch 7 as posted: pagetable_free() never gives the ptdesc back to its cache.
    # pagetable_alloc, pte_free: the ptdesc outlives its table. No crash configuration of
    # the spec uses this variant; the prose of pagetable_free (and rcu.md) documents it.
    Mutation("pagetable_free_leaks_ptdesc", (("release_ptdesc", "as_posted"),),
             {"ptdesc_freed_with_table": 2}),
    # x86 CPA split takes a plain page: collapse finds LIST_POISON2 in the memdesc.
    # cpa_split, cpa_collapse. The lemma that CPA's tables are live page tables breaks at
    # the split itself.
    Mutation("cpa_split_plain_page", (("cpa_alloc_table", "as_posted"),),
             {"cpa_tables_are_live": 1, PAGE_PTDESC: 2}),
    # x86 CPA collapse frees a frozen pagetable_alloc() table with __free_page(): the
    # refcount wraps, NR_PAGETABLE and the ptdesc leak (configuration cpa_free_frozen).
    Mutation("cpa_collapse_free_page", (("cpa_free_table", "as_posted"),),
             {"nr_pagetable_balanced": 2, "refcount_not_negative": 2, "ptdesc_freed_with_table": 2,
              "allocated_blocks_have_owners": 2, "nr_pagetable_counts_tables": 2}),
    # Both CPA paths as posted, as in the thread's oops (configuration cpa_collapse): the
    # page_ptdesc() BUG comes first and ends the execution before the free path runs.
    Mutation("cpa_collapse_as_posted",
             (("cpa_alloc_table", "as_posted"), ("cpa_free_table", "as_posted")),
             {"cpa_tables_are_live": 1, PAGE_PTDESC: 2}),
    # THP deposit through a pt_list that overlays words 1-2 of the page: INIT_LIST_HEAD
    # overwrites the memdesc (depth 2: alloc, deposit); the withdraw BUGs (depth 3).
    Mutation("thp_pt_list_overlay", (("pt_list_init", "overlay"),),
             {"tail_pages_tagged": 2, "table_pages_tagged_and_frozen": 2, PAGE_PTDESC: 3}),
    # syzbot "kernel BUG in pte_free_now": call_rcu(&page->rcu_head) writes rcu_head.func
    # over the memdesc (depth 2: alloc, defer); the RCU callback BUGs (depth 3).
    Mutation("syzbot_pte_free_now", (("pte_free_defer", "in_page"),),
             {"tail_pages_tagged": 2, "table_pages_tagged_and_frozen": 2, "pending_callbacks_are_tables": 2,
              PAGE_PTDESC: 3}),
    # Patch 7 without patch 5: preallocate_vmalloc_pages() from mem_init(), before
    # ptcache_init(): BUG_ON(!ptcache) in the first boot step.
    Mutation("boot_early", (("preallocate_vmalloc_pages", "in_mem_init"),),
             {"pagetable_alloc: ptcache exists": 1}, boots=True),
]

# Variants of procs that `fixed` chooses which are not bugs of the series.
NOT_BUGS = {
    # Plug-in defaults of models/rcu.md and models/boot.md for specs without their own page
    # allocator: they release or allocate only the ptdesc and touch no page, which this
    # spec's invariants (pt_live, NR_PAGETABLE) do not expect; ptdesc.md plugs in `spec`.
    ("pagetable_dtor_free", "ptdesc_only"): "default of models/rcu.md, replaced by the spec's allocator",
    ("boot_pagetable_alloc", "ptdesc_only"): "default of models/boot.md, replaced by the spec's allocator",
}


def config_block(text: str, name: str) -> re.Match:
    match = re.search(rf'^config {re.escape(name)} (?:"(?:\\.|[^"\\])*" )?\{{\n(.*?)^\}}', text, re.S | re.M)
    assert match, f"no `config {name}` block in {SPEC}"
    return match


def config_uses(body: str) -> dict[str, str]:
    return dict(re.findall(r"^\s*use (\w+) = (\w+)\s*$", body, re.M))


def config_expects_violated(body: str) -> set[str]:
    return {m.strip('"') for m in re.findall(r"^\s*expect (.+?) violated\s*$", body, re.M)}


def enable_boot(body: str) -> str:
    """The boot bug needs boot to run in `fixed`, which starts booted with the boot steps
    disabled. Two changes, both needed (this is what boot_early / boot_late do):
    - BOOTED_AT_START = false: start in phase MEM_INIT, where boot_mem_init() runs
      preallocate_vmalloc_pages(); with true the system is RUNNING and no boot step fires;
    - drop the four `disable boot_...` lines: otherwise nothing can ever run (every other
      action requires `booted`) and every property holds vacuously.
    """
    body, n = re.subn(r"^\s*disable boot_\w+\s*\n", "", body, flags=re.M)
    assert n == 4, f"expected four `disable boot_...` lines in config {CONFIG}, found {n}"
    body, n = re.subn(r"^(\s*BOOTED_AT_START = )true\s*$", r"\g<1>false", body, flags=re.M)
    assert n == 1, f"expected `BOOTED_AT_START = true` in config {CONFIG}"
    return body


def mutant_text(uses: tuple[tuple[str, str], ...], boots: bool) -> str:
    text = SPEC.read_text()
    block = config_block(text, CONFIG)
    body = block.group(1)
    for proc, variant in uses:
        line = rf"^(\s*use {proc} = )(\w+)(\s*)$"
        found = re.findall(line, body, re.M)
        assert len(found) == 1, f"config {CONFIG} should have one `use {proc} = ...` line, has {len(found)}"
        assert found[0][1] != variant, f"config {CONFIG} already uses {proc} = {variant}"
        body = re.sub(line, rf"\g<1>{variant}\g<3>", body, flags=re.M)
    if boots:
        body = enable_boot(body)
    return text[:block.start(1)] + body + text[block.end(1):]


def write_spec(folder: Path, text: str) -> Path:
    """The spec at folder/specs/ptdesc.md, its imports found in folder/models/."""
    (folder / "specs").mkdir(parents=True)
    shutil.copytree(MODELS, folder / "models")
    path = folder / "specs" / "ptdesc.md"
    path.write_text(text)
    return path


@dataclass(frozen=True)
class Row:
    property: str
    kind: str
    expected: str
    outcome: str
    depth: str
    result: str


def summary_rows(stdout: str) -> dict[str, Row]:
    """The summary table, cut at the columns the dashes line marks (property names have
    spaces in them)."""
    lines = stdout.splitlines()
    starts = [i for i, line in enumerate(lines) if line.split() == ["config", "property", "kind", "expected",
                                                                      "outcome", "depth", "result"]]
    assert len(starts) == 1, f"no single summary table in:\n{stdout}"
    dashes = lines[starts[0] + 1]
    spans = [m.span() for m in re.finditer(r"-+", dashes)]
    assert len(spans) == 7, dashes
    rows: dict[str, Row] = {}
    for line in lines[starts[0] + 2:]:
        cells = [line[a:b if k < 6 else None].strip() for k, (a, b) in enumerate(spans)]
        if cells[0] != CONFIG or cells[2] not in KINDS:
            break  # the engine's note or the notes after the table
        assert cells[1] not in rows, f"property {cells[1]!r} twice in the summary"
        rows[cells[1]] = Row(*cells[1:])
    assert rows, f"empty summary table in:\n{stdout}"
    return rows


def mdcheck(spec: Path, engine: str, depth: int, defines: tuple[str, ...]) -> tuple[int, str]:
    argv = [sys.executable, "-m", "checker.cli", str(spec), "--config", CONFIG, "--engine", engine,
            "--depth", str(depth), "--no-timing", "--summary-table"]
    for define in defines:
        argv += ["-D", define]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=HANG_SECONDS, cwd=spec.parent)
    return proc.returncode, proc.stdout + proc.stderr


@dataclass(frozen=True)
class Settings:
    engine: str
    defines: tuple[str, ...]

    @property
    def id(self) -> str:
        return "-".join([self.engine, *(d.replace("=", "") for d in self.defines)])


EXPLICIT = Settings("explicit", ())          # `fixed` as it is: 8 pages, 3 ptdesc slots
BMC = Settings("bmc", ("NPAGES=4",))         # one MAX_ORDER block: every mutation fits


def check_mutant(tmp_path: Path, mutation: Mutation, settings: Settings, depth: int) -> None:
    spec = write_spec(tmp_path, mutant_text(mutation.uses, mutation.boots))
    code, output = mdcheck(spec, settings.engine, depth, settings.defines)
    expected = {p: d for p, d in mutation.violated.items() if d <= depth}
    assert code == 1, f"{mutation.id}: exit {code}, expected 1 (unexpected outcome)\n{output}"
    rows = summary_rows(output)
    found = {name: int(row.depth) for name, row in rows.items() if row.outcome == "VIOLATED"}
    assert found == expected, (
        f"{mutation.id} ({settings.id}, depth {depth}): violated {found}, expected {expected}\n{output}")
    for name, row in rows.items():
        if name in expected:
            assert (row.expected, row.result) == ("holds", "UNEXPECTED"), row
        else:
            assert row.result == "ok", row


def check_fixed_clean(tmp_path: Path, settings: Settings, depth: int, boots: bool) -> None:
    spec = write_spec(tmp_path, mutant_text((), boots))
    code, output = mdcheck(spec, settings.engine, depth, settings.defines)
    assert code == 0, f"unmutated {CONFIG} ({settings.id}, depth {depth}, boots={boots}): exit {code}\n{output}"
    rows = summary_rows(output)
    assert all(row.result == "ok" and row.outcome != "VIOLATED" for row in rows.values()), output
    assert {"tail_pages_tagged", PAGE_PTDESC, "ptdesc_freed_with_table"} <= rows.keys()


# --- the main set: explicit engine, `fixed` at its own size -------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.id)
def test_explicit_finds_the_bug(tmp_path, mutation):
    check_mutant(tmp_path, mutation, EXPLICIT, mutation.depth)


def _controls(depth_of) -> list:
    seen = sorted({(depth_of(m), m.boots) for m in MUTATIONS})
    return [pytest.param(d, b, id=f"depth{d}" + ("-booting" if b else "")) for d, b in seen]


@pytest.mark.slow
@pytest.mark.parametrize("depth, boots", _controls(lambda m: m.depth))
def test_explicit_fixed_is_clean_at_the_same_settings(tmp_path, depth, boots):
    check_fixed_clean(tmp_path, EXPLICIT, depth, boots)


@pytest.mark.slow
def test_explicit_fixed_boots_cleanly(tmp_path):
    # The boot mutation's control at depth 1 runs only boot_mem_init(); here the same
    # change (boot enabled) goes through all four boot steps and one step of the running
    # system with patch 5's call site, and nothing breaks.
    check_fixed_clean(tmp_path, EXPLICIT, 5, True)


# --- cross-check: BMC, NPAGES=4, to each mutant's first violation --------------------------

@pytest.mark.slow
@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.id)
def test_bmc_finds_the_bug(tmp_path, mutation):
    check_mutant(tmp_path, mutation, BMC, mutation.first_depth)


@pytest.mark.slow
@pytest.mark.parametrize("depth, boots", _controls(lambda m: m.first_depth))
def test_bmc_fixed_is_clean_at_the_same_settings(tmp_path, depth, boots):
    check_fixed_clean(tmp_path, BMC, depth, boots)


# --- the mutations cover every documented bug (no checker run) -----------------------------

def proc_variants() -> dict[str, set[str]]:
    variants: dict[str, set[str]] = {}
    for path in [SPEC, *sorted(MODELS.glob("*.md"))]:
        for proc, variant in re.findall(r"^proc (\w+)\[(\w+)\]", path.read_text(), re.M):
            variants.setdefault(proc, set()).add(variant)
    return variants


def test_every_variant_fixed_does_not_choose_is_a_mutation_or_not_a_bug():
    fixed = config_uses(config_block(SPEC.read_text(), CONFIG).group(1))
    variants = proc_variants()
    mutated = {use for m in MUTATIONS for use in m.uses}
    assert set(fixed) == set(variants), "config fixed should choose a variant of every proc that has variants"
    for proc, names in variants.items():
        for variant in names - {fixed[proc]}:
            assert (proc, variant) in mutated or (proc, variant) in NOT_BUGS, (
                f"proc {proc}[{variant}] is neither a mutation of this file nor in NOT_BUGS")
    for proc, variant in mutated | set(NOT_BUGS):
        assert variant in variants.get(proc, ()), f"no proc {proc}[{variant}] in the spec or its models"


def effective_items(decls, name: str) -> tuple[dict[str, str], set[str], set[str], dict[str, s.Expr]]:
    """What configuration `name` sets once what it inherits (`extends`) is applied: its
    `use` choices, its disables, the properties it expects violated, its constants."""
    uses: dict[str, str] = {}
    disabled: set[str] = set()
    expects: dict[str, str] = {}
    consts: dict[str, s.Expr] = {}
    for _, item in configuration_items(decls, name):
        match item:
            case s.ConfigUse(target=target, variant=variant):
                uses[target] = variant
            case s.ConfigDisable(name=disabled_name):
                disabled.add(disabled_name)
            case s.ConfigEnable(name=enabled):
                disabled.discard(enabled)
            case s.ConfigExpect(prop=prop, outcome=outcome):
                expects[prop] = outcome
            case s.ConfigConst(name=const, value=value):
                consts[const] = value
    return uses, disabled, {p for p, o in expects.items() if o == "violated" and p not in disabled}, consts


def test_every_crash_configuration_is_a_mutation():
    text = SPEC.read_text()
    decls = collect_declarations(load_spec(str(SPEC)))
    lemmas = set(re.findall(r"^lemma (\w+)", text, re.M))
    assert len(lemmas) >= 8
    fixed = config_uses(config_block(text, CONFIG).group(1))
    by_uses = {frozenset(m.uses): m for m in MUTATIONS}
    crashes = 0
    for name in configuration_names(decls):
        uses, disabled_names, expects, consts = effective_items(decls, name)
        changed = frozenset((p, v) for p, v in uses.items() if fixed.get(p) != v)
        if not changed:
            assert not expects, f"config {name} chooses fixed's variants yet expects {expects} violated"
            continue  # thp_separate, boot_late, fixed: the fix in other settings
        crashes += 1
        assert changed in by_uses, f"config {name} switches {sorted(changed)}: no mutation does that"
        mutation = by_uses[changed]
        assert expects and expects <= mutation.violated.keys(), (name, expects, mutation.violated)
        assert (consts.get("BOOTED_AT_START") != s.BoolLit(True)) == mutation.boots, name
        # a crash configuration disables exactly the lemmas its bug breaks (and does not
        # expect violated): no lemma is switched off without a bug that breaks it
        disabled = disabled_names & lemmas
        broken_lemmas = mutation.violated.keys() & lemmas
        assert disabled == broken_lemmas - expects, (name, disabled, broken_lemmas)
    assert crashes >= 6
