"""Print the scope checker's accuracy on its fixture sets at the end of the run."""

from __future__ import annotations

import pytest

from tests.unit.scope.scope_cases import accuracy, real_figures


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line per fixture set: verdict accuracy and verdict+areas accuracy."""
    if not any(
        report.nodeid.startswith("tests/unit/scope/")
        for reports in terminalreporter.stats.values()
        for report in reports
        if hasattr(report, "nodeid")
    ):
        return
    terminalreporter.section("scope check accuracy")
    right, caught, multi, split, single = real_figures()
    terminalreporter.write_line(
        f"real     {right}/{multi + single} right, multi caught {caught}/{multi}, singles split "
        f"{split}/{single} (shipped model, trained on these; cross-validated figures: "
        "scripts/train_scope_model.py)"
    )
    for which in ("dev", "holdout"):
        verdicts, full, total = accuracy(which)
        terminalreporter.write_line(
            f"{which:8s} verdict {verdicts}/{total} ({verdicts / total:.0%}), "
            f"verdict+areas {full}/{total} ({full / total:.0%})"
        )
