"""Recovery at declaration level: one run of the type checker reports every independent error.

An error inside one declaration (a constant, type, fn, proc, action, invariant, init, ...) is
recorded in the `ErrorLog` and checking goes on with the next declaration. A declaration that
failed is remembered by key ("constant N", "type t", "fn f", ...): a later use of it raises
`Suppressed`, which ends the user's declaration too but adds no error, since the cause is
already reported.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, TypeVar

from checker.frontend.diagnostics import Diagnostic, SpecError

T = TypeVar("T")


class Suppressed(SpecError):
    """A use of a declaration whose error is already recorded."""

    def __init__(self) -> None:
        super().__init__([])


@dataclass
class ErrorLog:
    """The errors of one lowering so far, and the declarations that failed (by key)."""
    errors: list[Diagnostic] = field(default_factory=list)
    failed: set[str] = field(default_factory=set)
    failures: int = 0  # declarations left out, each for an error recorded here

    def raise_if_failed(self) -> None:
        """A model with a declaration left out is never returned."""
        if self.failures:
            assert self.errors, "a declaration failed without an error"
            raise SpecError(self.errors)

    def attempt(self, work: Callable[[], T], key: str | None = None) -> T | None:
        """`work()`, or None with its error recorded (and `key` marked failed)."""
        try:
            return work()
        except SpecError as error:
            self.errors.extend(error.diagnostics)
            self.failures += 1
            if key is not None:
                self.failed.add(key)
            return None

    def settle(self, key: str, work: Callable[[], T]) -> T:
        """`work()` for the declaration `key`, used from inside another one: its error is
        recorded once, here, and the user gets `Suppressed`."""
        if key in self.failed:
            raise Suppressed()
        try:
            return work()
        except SpecError as error:
            self.errors.extend(error.diagnostics)
            self.failed.add(key)
            raise Suppressed() from None

    def check_usable(self, key: str) -> None:
        if key in self.failed:
            raise Suppressed()
