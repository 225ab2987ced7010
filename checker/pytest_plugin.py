"""pytest plugin: `pytest specs/` collects every Markdown spec (a `.md` file with an
```mdcheck block) and each (configuration, property) of it as a test item, so specs slot
into a project's existing test run. An item passes when its outcome is what the
configuration expects; it fails with the counterexample, printed as mdcheck prints it, and
an UNKNOWN result fails too (it is never success). A spec that does not load is a
collection error with mdcheck's diagnostics.

Checking flags are mdcheck's own: `--mdcheck-args="--engine bmc --depth 4"` on the command
line, or `mdcheck_args` in the pytest configuration. Each configuration is checked once,
when its first item runs; `--timeout S` limits each configuration to S seconds. With
`--strict` (as `mdcheck --strict` exits 5), each configuration has one more item,
`coverage (--strict)`, which fails with the CLI's warnings when an action is never enabled,
an assert never reached or an invariant's premise never true within the depth.
"""
from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import Iterator

import pytest

from checker import cli
from checker.frontend.diagnostics import SourceTexts, render
from checker.frontend.diagnostics import SpecError as CheckerSpecError
from checker.reports.outcome import ConfigOutcome, SpecOutcome, status
from checker.reports.render import coverage_warning, outcome_text, render_cti, render_notes, render_trace, where

FENCE = "```" + "mdcheck"
STRICT_ITEM = "coverage (--strict)"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mdcheck", "mdcheck specs as tests")
    group.addoption("--mdcheck-args", default=None, metavar="ARGS",
                    help="mdcheck flags for the specs collected, e.g. \"--engine bmc --depth 4\"")
    parser.addini("mdcheck_args", "mdcheck flags for the specs collected", default="")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix == ".md" and _has_model_block(file_path):
        return SpecFile.from_parent(parent, path=file_path)
    return None


def _has_model_block(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return False
    return any(line.strip() == FENCE for line in text.splitlines())


class SpecError(Exception):
    """The spec does not load: its diagnostics, rendered."""


class SpecFile(pytest.File):
    def collect(self) -> Iterator[pytest.Collector]:
        config = self.config
        flags = config.getoption("--mdcheck-args")
        flags = flags if flags is not None else config.getini("mdcheck_args")
        try:
            options = cli.read_options(shlex.split(flags))
        except Exception as error:  # a usage error in the flags: say which
            raise SpecError(f"mdcheck flags {flags!r}: {error}") from None
        prepared = cli.prepare_spec(_shown_path(self.path), options)
        if isinstance(prepared, SpecOutcome):
            texts = "\n".join(render(d, prepared.texts) for d in prepared.diagnostics)
            raise SpecError(texts or prepared.internal_error)
        for model in prepared.models:
            yield ConfigNode.from_parent(self, name=model.config, model=model, options=options,
                                         texts=prepared.texts)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style=None) -> str:  # type: ignore[override]
        if isinstance(excinfo.value, SpecError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)


def _shown_path(path: Path) -> str:
    """The spec's path as mdcheck shows it in messages: relative to the current directory
    when below it (as a user would type it), else absolute."""
    relative = os.path.relpath(path)
    return str(path) if relative.startswith(os.pardir) else relative


class ConfigNode(pytest.Collector):
    def __init__(self, *, model, options, texts: SourceTexts, **kwargs) -> None:
        super().__init__(**kwargs)
        self.model = model
        self.options = options
        self.texts = texts
        self._outcome: ConfigOutcome | str | None = None

    def outcome(self) -> ConfigOutcome:
        """The configuration checked (once, for all its items), or PropertyFailed with the
        diagnostics of why it cannot be."""
        if self._outcome is None:
            try:
                self._outcome = cli.check_model(self.model, self.options)
            except CheckerSpecError as error:
                self._outcome = "\n".join(render(d, self.texts) for d in error.diagnostics)
        if isinstance(self._outcome, str):
            raise PropertyFailed(self._outcome)
        return self._outcome

    def collect(self) -> Iterator[pytest.Item]:
        for prop in self.model.properties:
            yield PropertyItem.from_parent(self, name=prop.name, prop=prop)
        for name in self.model.unchecked:
            yield DisabledItem.from_parent(self, name=name)
        if self.options.strict:
            yield CoverageItem.from_parent(self, name=STRICT_ITEM)


class PropertyFailed(Exception):
    pass


class PropertyItem(pytest.Item):
    def __init__(self, *, prop, **kwargs) -> None:
        super().__init__(**kwargs)
        self.prop = prop

    def runtest(self) -> None:
        node = self.parent
        assert isinstance(node, ConfigNode)
        config = node.outcome()
        if config.internal_errors:
            raise PropertyFailed("\n".join(config.internal_errors))
        result = next(r for r in config.results if r.prop.name == self.prop.name)
        state = status(result)
        if state == "ok":
            return
        lines = [f"{config.name}: {self.prop.kind} '{self.prop.name}' {outcome_text(result)} "
                 f"(expected: {self.prop.expect}) [{where(self.prop.span)}]"]
        note = render_notes(result)
        if note:
            lines.append(note)
        evidence = config.evidence.get(self.prop.name)
        if evidence is not None:
            lines.append(render_trace(config.model, result, evidence))
        for cti in config.ctis:
            if cti.prop.name == self.prop.name:
                lines.append(render_cti(config.model, cti.cti, cti.prop, cti.evidence))
        raise PropertyFailed("\n".join(lines))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style=None) -> str:  # type: ignore[override]
        if isinstance(excinfo.value, PropertyFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        span = self.prop.span  # in the spec, or in a model it imports
        path = Path(span.path).absolute() if span else self.path
        return path, (span.line - 1 if span else None), f"{self.parent.name}: {self.prop.kind} {self.prop.name}"


class DisabledItem(pytest.Item):
    """An invariant the configuration disables: reported as skipped, never as passed."""

    def runtest(self) -> None:
        pytest.skip(f"configuration '{self.parent.name}' disables invariant '{self.name}': not checked, not assumed")


class CoverageItem(pytest.Item):
    """`--strict`: the configuration's coverage goals. It fails, with the warnings the CLI
    prints, when one is not met within the depth (where `mdcheck --strict` exits 5)."""

    def runtest(self) -> None:
        node = self.parent
        assert isinstance(node, ConfigNode)
        config = node.outcome()
        if config.internal_errors:
            raise PropertyFailed("\n".join(config.internal_errors))
        warnings = [coverage_warning(config.name, goal, depth) for goal, depth in config.uncovered]
        if warnings:
            raise PropertyFailed("\n".join(warnings) + "\n--strict: part of the spec is never exercised, so what "
                                 "depends on it holds vacuously")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style=None) -> str:  # type: ignore[override]
        if isinstance(excinfo.value, PropertyFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"{self.parent.name}: {STRICT_ITEM}"
