"""Render a drill report document (`mcctl.domain.drill.report.build_report`) as Markdown or HTML."""

from __future__ import annotations

from mcctl.cli.drillreport.html import render_html
from mcctl.cli.drillreport.markdown import render_markdown

__all__ = ["render_html", "render_markdown"]
