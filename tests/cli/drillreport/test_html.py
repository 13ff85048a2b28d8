"""The HTML drill report: parsed with html.parser (timeline, step bars, probe strips, RTO mark, escaping),
and rendered once in a headless browser when one is installed."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from mcctl.cli.drillreport import render_html
from mcctl.domain.drill.record import STEP_NOT_RUN, DrillOutcome
from mcctl.domain.drill.report import build_report
from tests.domain.drill.drill_records import outage_record, reads, record, step

HOSTILE = '<script>alert(1)</script>"><svg onload=alert(2)>'


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: list[str] = field(default_factory=list)
    parents: tuple[str, ...] = ()

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())


class Collect(HTMLParser):
    """Every element with its attributes, its own text, and its ancestors' tags."""

    VOID = {"meta", "br", "hr", "img", "input", "link"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.stack: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, parents=tuple(e.tag for e in self.stack))
        self.elements.append(element)
        if tag not in self.VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(Element(tag, {k: v or "" for k, v in attrs}, parents=tuple(e.tag for e in self.stack)))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop().tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.stack:
            self.stack[-1].text.append(data)

    def find(self, predicate) -> list[Element]:
        return [e for e in self.elements if predicate(e)]

    def by_id(self, id_: str) -> Element:
        (found,) = self.find(lambda e: e.attrs.get("id") == id_)
        return found


def _parse(page: str) -> Collect:
    parser = Collect()
    parser.feed(page)
    parser.close()
    return parser


def _x(parsed: Collect, t: float) -> float:
    """Where the axis puts t seconds from the drill's start."""
    axis = parsed.by_id("axis")
    x1, x2, seconds = float(axis.attrs["x1"]), float(axis.attrs["x2"]), float(axis.attrs["data-seconds"])
    return x1 + t / seconds * (x2 - x1)


def test_the_timeline_has_a_bar_per_step_and_a_strip_per_region_and_for_writes() -> None:
    report = build_report(outage_record())
    parsed = _parse(render_html(report))

    svg = parsed.by_id("timeline")
    assert svg.tag == "svg"
    bars = parsed.find(lambda e: "step-bar" in e.classes)
    assert len(bars) == len(report["steps"]) == 6
    assert all("svg" in bar.parents for bar in bars)
    evacuate = next(bar for bar in bars if bar.attrs["data-index"] == "4")
    assert float(evacuate.attrs["x"]) == pytest.approx(_x(parsed, 4), abs=0.01)
    assert float(evacuate.attrs["width"]) == pytest.approx(_x(parsed, 40) - _x(parsed, 4), abs=0.02)
    strips = parsed.find(lambda e: "probe-strip" in e.classes)
    regions = {s.attrs["data-region"] for s in strips if s.attrs["data-kind"] == "read"}
    assert regions == {"westeurope", "northeurope", ""}  # ("": reads no region answered)
    assert [s.attrs["data-kind"] for s in strips].count("write") == 1


def test_every_sample_is_drawn_green_or_red() -> None:
    report = build_report(outage_record())
    parsed = _parse(render_html(report))

    probes = parsed.find(lambda e: "probe" in e.classes)
    drawn = sum(int(p.attrs["data-samples"]) for p in probes)
    assert drawn == 182  # 91 reads + 91 writes
    failed = sum(int(p.attrs["data-samples"]) for p in probes if "fail" in p.classes)
    assert failed == 16 + 26
    assert all(p.classes & {"ok", "fail"} for p in probes)


def test_the_rto_mark_spans_the_longest_failing_write_span_on_the_axis() -> None:
    parsed = _parse(render_html(build_report(outage_record())))

    rto = parsed.by_id("rto")
    assert rto.tag == "rect"
    # writes fail from +4 to the next success at +30
    assert float(rto.attrs["x"]) == pytest.approx(_x(parsed, 4), abs=0.01)
    assert float(rto.attrs["width"]) == pytest.approx(_x(parsed, 30) - _x(parsed, 4), abs=0.02)
    assert float(parsed.by_id("t0").attrs["x1"]) == pytest.approx(_x(parsed, 3), abs=0.01)
    assert float(parsed.by_id("recovered").attrs["x1"]) == pytest.approx(_x(parsed, 30), abs=0.01)


def test_the_summary_cards_and_tables() -> None:
    parsed = _parse(render_html(build_report(outage_record())))

    cards = {c.attrs["class"].split()[1]: c for c in parsed.find(lambda e: "card" in e.classes)}
    assert set(cards) == {"card-rto", "card-recovery", "card-rpo"}
    values = [e for e in parsed.find(lambda e: "value" in e.classes)]
    assert ["".join(v.text) for v in values] == ["26 s", "27 s", "0 s"]
    cells = ["".join(e.text) for e in parsed.find(lambda e: e.tag == "td")]
    assert "op-child-1" in cells and "36 s" in cells and "northeurope" in cells


def test_the_page_is_self_contained() -> None:
    page = render_html(build_report(outage_record()))
    parsed = _parse(page)

    assert not parsed.find(lambda e: e.tag in {"script", "link", "img", "iframe", "object"})
    assert not parsed.find(lambda e: any(k in e.attrs for k in ("src", "href")))
    assert parsed.find(lambda e: e.tag == "style")
    assert "http" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_hostile_names_are_escaped() -> None:
    steps = (step(0, HOSTILE, "check", 0, 1, status="failed", error=HOSTILE, detail=HOSTILE),)
    drill = outage_record(
        steps=steps,
        name=HOSTILE,
        estate=HOSTILE,
        actor=HOSTILE,
        command=HOSTILE,
        rules=[{"rule": HOSTILE, "message": HOSTILE}],
        overrides=[{"rule": HOSTILE, "reason": HOSTILE}],
        spec={"description": HOSTILE},
    )
    page = render_html(build_report(drill))
    parsed = _parse(page)

    assert "<script" not in page and "<svg onload" not in page
    assert not parsed.find(lambda e: e.tag == "script")
    assert not parsed.find(lambda e: any(name.startswith("on") for name in e.attrs))
    assert [e.tag for e in parsed.find(lambda e: e.tag == "svg")] == ["svg"]  # only the timeline
    title = "".join(parsed.find(lambda e: e.tag == "title")[0].text)
    assert HOSTILE in title  # shown as text, intact


def _running(probes=()):
    steps = (
        step(0, "pre-check", "check", 0, 2),
        step(1, "evacuate", "evacuate", 2, None, status="running"),
        step(2, "hold", "hold", None, None, status=STEP_NOT_RUN),
    )
    return record(probes, steps=steps, ended=None, outcome=DrillOutcome.RUNNING, after=None, incident_at=None)


def test_a_running_drill_without_probes_renders_without_an_rto() -> None:
    page = render_html(build_report(_running()))
    parsed = _parse(page)

    assert not parsed.find(lambda e: e.attrs.get("id") in {"rto", "t0", "recovered"})
    assert not parsed.find(lambda e: "probe-strip" in e.classes)
    bars = parsed.find(lambda e: "step-bar" in e.classes)
    assert [bar.attrs["data-index"] for bar in bars] == ["1", "2"]  # the step never reached: a label, no bar
    assert float(bars[1].attrs["x"]) + float(bars[1].attrs["width"]) <= float(parsed.by_id("axis").attrs["x2"])
    assert "not ended" in page and "No probe samples" in page and "not recorded yet" in page


def test_a_running_step_lasts_until_the_latest_sample() -> None:
    parsed = _parse(render_html(build_report(_running(reads([True] * 11)))))

    running = next(e for e in parsed.find(lambda e: "step-bar" in e.classes) if "status-running" in e.classes)
    assert float(running.attrs["x"]) == pytest.approx(_x(parsed, 2), abs=0.01)
    end = float(running.attrs["x"]) + float(running.attrs["width"])
    assert end == pytest.approx(_x(parsed, 10), abs=0.02)  # the latest sample, at +10 s, is "now"


BROWSERS = ("chromium", "chromium-browser", "google-chrome", "firefox")


def _browser() -> str | None:
    return next((path for name in BROWSERS if (path := shutil.which(name))), None)


@pytest.mark.skipif(_browser() is None, reason=f"no headless browser installed (looked for {', '.join(BROWSERS)})")
def test_the_page_renders_in_a_headless_browser(tmp_path: Path) -> None:
    browser = _browser()
    assert browser is not None
    page = tmp_path / "drill.html"
    page.write_text(render_html(build_report(outage_record())), encoding="utf-8")
    shot = tmp_path / "drill.png"
    if "firefox" in Path(browser).name:
        command = [browser, "--headless", "--screenshot", str(shot), "--window-size=1100,1400", page.as_uri()]
    else:
        command = [
            browser,
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={shot}",
            "--window-size=1100,1400",
            page.as_uri(),
        ]
    subprocess.run(command, check=True, capture_output=True, timeout=120, cwd=tmp_path)

    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 1000
