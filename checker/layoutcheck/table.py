"""A `LayoutReport` as a table for people or as JSON (`mdcheck-layout-check/1`)."""
from __future__ import annotations

import json
from typing import Sequence

from checker.frontend.diagnostics import Diagnostic
from checker.layoutcheck.compare import FAILING, LayoutReport

HEADER = ("model", "C", "model says", "compiler says", "result")


def text(reports: Sequence[LayoutReport]) -> str:
    out: list[str] = []
    for report in reports:
        out.append(f"{report.spec}: against {report.source} of {report.origin}")
        if not report.rows and not report.diagnostics:
            out.append("  nothing of its own: what it imports is reported above")
            out.append("")
            continue
        table = [HEADER] + [(r.model, r.c_name, r.expected, r.found, r.status + (f"  {r.note}" if r.note else ""))
                            for r in report.rows]
        widths = [max(len(row[i]) for row in table) for i in range(4)]
        for row in table:
            out.append("  " + "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4])
        failed = sum(1 for r in report.rows if r.status in FAILING)
        absent = sum(1 for r in report.rows if r.status == "absent")
        verdict = f"{failed} mismatched" if failed else "all match"
        out.append(f"  {len(report.rows)} checked: {verdict}, {absent} absent in this kernel"
                   + (f", {len(report.diagnostics)} error(s)" if report.diagnostics else ""))
        out.append("")
    return "\n".join(out)


def document(reports: Sequence[LayoutReport], exit_code: int, diagnostics: Sequence[Diagnostic] = ()) -> str:
    """Schema: checker/reports/schemas/mdcheck-layout-check.schema.json."""
    return json.dumps({
        "format": "mdcheck-layout-check/1",
        "exit_code": exit_code,
        "diagnostics": [{"code": d.code, "message": d.message} for d in diagnostics],
        "specs": [{
            "spec": r.spec, "source": r.source, "origin": r.origin, "exit_code": r.exit_code,
            "rows": [{"model": row.model, "c": row.c_name, "model_says": row.expected, "compiler_says": row.found,
                      "result": row.status, "note": row.note,
                      "line": row.span.line if row.span else None} for row in r.rows],
            "diagnostics": [{"code": d.code, "message": d.message} for d in r.diagnostics],
        } for r in reports],
    }, indent=1) + "\n"
