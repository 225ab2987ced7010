"""ABC's signal correspondence as part of the certificate: the node pairs `scorr -f` proved
equal are read from its dump, named by the network it ran on, and re-checked by Z3 with
the rest of the invariant. The re-check needs them (without them PDR's clauses are not
inductive on mdcheck's encoding) and rejects a certificate with a false pair or with
PDR's clauses dropped.
"""
from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from checker.engines.aiger import abc, answers, certificate, engine, equivalences
from checker.engines.aiger.aig import Aig
from checker.engines.aiger.export import export
from checker.frontend.loader import load_spec
from checker.typecheck import collect_declarations, lower

REPO = Path(__file__).resolve().parents[1]
try:
    abc.find_abc()
    HAVE_ABC = True
except abc.AbcMissing:
    HAVE_ABC = False
needs_abc = pytest.mark.skipif(not HAVE_ABC and not os.environ.get("MDCHECK_REQUIRE_ABC"),
                               reason="Berkeley ABC is not installed (apt-get install berkeley-abc)")


def tag_level_without_lemmas(pages: int):
    model = lower(collect_declarations(load_spec(str(REPO / "specs/ptdesc_tags.md"))), "fixed", {"NPAGES": pages})
    return replace(model, invariants=tuple(i for i in model.invariants if not i.lemma),
                   properties=tuple(p for p in model.properties if p.kind != "lemma"))


def test_a_dump_is_read_with_the_networks_names():
    network = Aig()
    network.add_input("x")
    a = network.add_latch("a[0]")
    b = network.add_latch("b")
    network.add_output("o", network.and_(a, b))
    dump = Aig()
    dx, da, db = dump.add_input("0"), dump.add_input("1"), dump.add_input("2")
    dump.add_output("pair", dump.and_(dx, dump.and_(da, db)))  # x & a & b is 0
    dump.add_output("latch pair", dump.xor(da, db))            # a == b
    read = equivalences.read(network.aiger(), dump.aiger())
    assert read.leaves == ((False, "x"), (True, "a[0]"), (True, "b"))
    assert read.reads_inputs() == [True, False]
    smaller = Aig()
    smaller.add_input("0")
    with pytest.raises(equivalences.BadDump):
        equivalences.read(network.aiger(), smaller.aiger())


@needs_abc
def test_recheck_needs_scorrs_pairs_and_rejects_a_false_pair_or_dropped_clauses(tmp_path):
    model = tag_level_without_lemmas(2)
    circuit = export(model)
    outputs = circuit.outputs
    (tmp_path / "prove.aig").write_bytes(circuit.aig.aiger())
    name, directory, reduce, pdr = engine.PROOFS[0]
    (tmp_path / directory).mkdir()
    script = abc.Script(name, f"read_aiger ../prove.aig; {reduce}; {pdr} -d -I inv.pla", directory)
    answer = abc.run(abc.find_abc(), script, tmp_path, None)
    assert answers.proof_status(answer.output) == "proved", answer.output
    merged = answers.merged_latches(answer.output)
    assert merged is not None
    pdrs = answers.pla_invariant((tmp_path / directory / "inv.pla").read_text())
    pairs = engine._pairs(tmp_path / directory)
    assert isinstance(pairs, equivalences.Equivalences) and any(pairs.reads_inputs())
    assert certificate.recheck(circuit, merged + pdrs, outputs, None, 1, pairs).holds
    assert certificate.recheck(circuit, merged + pdrs, outputs, None, 2, pairs).holds
    assert not certificate.recheck(circuit, merged + pdrs, outputs, None, 1, None).holds
    assert not certificate.recheck(circuit, merged, outputs, None, 1, pairs).holds
    # a false pair: a latch bit scorr kept (so not constant) claimed to be always 0
    latch = next(v for v, (is_latch, bit) in enumerate(pairs.leaves, start=1)
                 if is_latch and bit != "mdcheck.initialized")
    false_pair = replace(pairs, zero=pairs.zero + (2 * latch,))
    assert not certificate.recheck(circuit, merged + pdrs, outputs, None, 1, false_pair).holds


def test_a_pair_over_a_bit_the_circuit_does_not_have_fails_the_recheck():
    circuit = export(tag_level_without_lemmas(2))
    stranger = equivalences.Equivalences(((True, "no-such-bit"),), (), (2,))
    result = certificate.recheck(circuit, [], circuit.outputs, None, 1, stranger)
    assert not result.holds and "no-such-bit" in result.reason


@needs_abc
def test_recheck_needs_the_latch_merges_signal_correspondence_prints(tmp_path):
    """With the lemmas, signal correspondence alone proves the tag-level model at 2 pages
    (nothing is left for PDR). Its dump holds only the pairs it asked the SAT solver about:
    latches that became structurally equal in the induction frame are missing from it,
    and `scorr -f -w` prints them. Without those merges the pairs do not imply the
    properties; with them the re-check accepts."""
    model = lower(collect_declarations(load_spec(str(REPO / "specs/ptdesc_tags.md"))), "fixed", {"NPAGES": 2})
    circuit = export(model)
    (tmp_path / "prove.aig").write_bytes(circuit.aig.aiger())
    name, directory, reduce, pdr = engine.PROOFS[0]
    (tmp_path / directory).mkdir()
    script = abc.Script(name, f"read_aiger ../prove.aig; {reduce}; {pdr} -d -I inv.pla", directory)
    answer = abc.run(abc.find_abc(), script, tmp_path, None)
    assert answers.proof_status(answer.output) == "proved" and answers.sizes(answer.output) == (0, 0), answer.output
    reset = {bit: False for bit in circuit.aig.latch_names}
    latch_correspondence, signal_correspondence = answer.output.split("Here are the flop equivalences:")[1:]
    every_merge = answers.merged_latches(answer.output, reset)
    merges_of_scorr_l = answers.merged_latches(latch_correspondence, reset)
    assert every_merge is not None and merges_of_scorr_l is not None
    assert answers.merged_latches(signal_correspondence, reset), "scorr -f -w printed no merge"
    pairs = engine._pairs(tmp_path / directory)
    assert isinstance(pairs, equivalences.Equivalences)
    assert certificate.recheck(circuit, every_merge, circuit.outputs, None, 1, pairs).holds
    without = certificate.recheck(circuit, merges_of_scorr_l, circuit.outputs, None, 1, pairs)
    assert not without.holds and "allows a frame that breaks" in without.reason


@pytest.mark.parametrize("count,most", [(0, 5), (1, 5), (5, 5), (6, 5), (4332, 1100), (1663, 1100), (838, 1100)])
def test_the_pairs_a_step_must_keep_are_asked_in_parts_that_cover_them(count, most):
    """Every pair is asked about once, in order, in parts of at most `most` and nearly equal
    size: a part lost here would be a pair the re-check never checks after a step."""
    items = list(range(count))
    parts = certificate.even_parts(items, most)
    assert [x for part in parts for x in part] == items
    assert all(0 < len(part) <= most for part in parts)
    assert len(parts) == -(-count // most)
    assert not parts or max(map(len, parts)) - min(map(len, parts)) <= 1
