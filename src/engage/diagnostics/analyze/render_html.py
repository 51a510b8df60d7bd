"""One self-contained HTML page (inline CSS and SVG) to paste into a case."""

from __future__ import annotations

from statistics import median
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from engage.diagnostics.analyze.charts import bar_chart, line_chart
from engage.diagnostics.analyze.model import AnalysisReport, Severity

_ENV = Environment(
    loader=PackageLoader("engage.diagnostics.analyze", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
)


def render_html(report: AnalysisReport) -> str:
    """The report as one HTML page without external assets."""
    groups = []
    for index, instance in enumerate(report.instances):
        findings = [f for f in report.findings if f.instance == index]
        groups.append({"instance": instance, "findings": findings})
    # the SVG is built from escaped text in charts.py, so it can be marked safe
    charts = [
        Markup(c)
        for c in (
            line_chart(
                report.timeline.errors, title="Error-level log lines per hour, by component"
            ),
            line_chart(report.timeline.restarts, title="Restarts and back-offs per hour, by pod"),
            bar_chart(
                _timings(report.requests),
                title="Browser requests (HAR): median / longest time by endpoint",
            ),
        )
        if c
    ]
    return _ENV.get_template("report.html.j2").render(
        report=report,
        groups=groups,
        charts=charts,
        severities=[s.label for s in sorted(Severity, reverse=True)],
    )


def _timings(requests: list[dict[str, Any]], limit: int = 15) -> list[tuple[str, float, float]]:
    """(method endpoint, median ms, max ms) of the slowest endpoints in the HAR files."""
    groups: dict[str, list[float]] = {}
    for request in requests:
        label = f"{request['method']} {request['endpoint']}"
        groups.setdefault(label, []).append(float(request["total_ms"]))
    rows = [(label, median(times), max(times)) for label, times in groups.items()]
    rows.sort(key=lambda r: -r[2])
    return rows[:limit]
