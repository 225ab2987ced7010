"""The internal equivalences ABC's signal correspondence (`scorr`, without -l) proved, read
from what `scorr -f` dumps: a combinational AIG over the inputs and latches of the network
scorr ran on, with one output per proved pair of nodes, 0 exactly when the two are equal.

The network is written (`write_aiger -s`) just before scorr runs, so its symbol table names
each of the dump's inputs: one of the model's input bits or latch bits (scorr -l and dc2 keep
the names). Every node is thus a function of mdcheck's own state bits and the step's input
bits, and the pairs are a formula the re-check asks Z3 about (certificate.py); what they
are does not matter for soundness, only whether Z3 shows them inductive. No solver here.
"""
from __future__ import annotations

from dataclasses import dataclass

from checker.engines.aiger.aig import read_aiger_ascii_or_binary, read_aiger_symbols


class BadDump(Exception):
    pass


@dataclass(frozen=True)
class Equivalences:
    leaves: tuple[tuple[bool, str], ...]   # per variable 1 .. len: (is a latch bit, its name)
    ands: tuple[tuple[int, int, int], ...]  # (variable, operand, operand) literals, operands first
    zero: tuple[int, ...]                   # per proved pair: a literal that is 0 when the pair is equal

    def reads_inputs(self) -> list[bool]:
        """Per pair, whether its nodes read an input bit."""
        reads = {0: False}
        for variable, (is_latch, _) in enumerate(self.leaves, start=1):
            reads[variable] = not is_latch
        for variable, left, right in self.ands:
            reads[variable] = reads[left >> 1] or reads[right >> 1]
        return [reads[literal >> 1] for literal in self.zero]


def read(network: bytes, dumped: bytes) -> Equivalences:
    """The pairs in `dumped`, their inputs named by `network`'s symbol table."""
    symbols = read_aiger_symbols(network)
    net_inputs, net_latches, _, _ = read_aiger_ascii_or_binary(network)
    inputs, latches, outputs, ands = read_aiger_ascii_or_binary(dumped)
    if latches or len(inputs) != len(net_inputs) + len(net_latches) or inputs != list(range(1, len(inputs) + 1)):
        raise BadDump(f"the dump has {len(inputs)} inputs and {len(latches)} latches; the network "
                      f"{len(net_inputs)} inputs and {len(net_latches)} latches")
    leaves = []
    for k in range(len(inputs)):
        key = f"i{k}" if k < len(net_inputs) else f"l{k - len(net_inputs)}"
        if key not in symbols:
            raise BadDump(f"the network names no {key}")
        leaves.append((key[0] == "l", symbols[key]))
    ordered = tuple((variable, left, right) for variable, (left, right) in sorted(ands.items()))
    for variable, left, right in ordered:
        if left >> 1 >= variable or right >> 1 >= variable:
            raise BadDump(f"node {variable} reads a later node")
    return Equivalences(tuple(leaves), ordered, tuple(outputs))
