"""The drill's probes are taken every interval of simulated time, also while a parallel group's
steps wait in threads of their own (each sleeping through its own LRO): no stretch of the timeline
without samples, which would hide part of an outage from the RTO."""

from __future__ import annotations

import json

PLAN = """\
drill: 1
name: parallel-probed
probes: {interval: 1s, write: false}
steps:
  - parallel:
      - scale: {stamp: neu-1, capacity: 5}
      - scale: {stamp: eus2-1, capacity: 5}
  - hold: 20s
"""


def test_probes_every_second_through_a_parallel_group(mcctl, tmp_path) -> None:
    plan = tmp_path / "drill.yaml"
    plan.write_text(PLAN)

    ran = mcctl("--sim", "-o", "json", "drill", "run", str(plan), "--yes")

    assert ran.exit_code == 0, ran.stderr
    report = json.loads(ran.stdout)
    parallel_ended = max(s["end_offset_seconds"] for s in report["steps"][:2])
    assert parallel_ended > 30  # the scale LROs took simulated time, in two threads
    times = [s["t"] for s in report["probes"]["samples"] if s["kind"] == "read"]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    # every second; at most a tick merged now and then (a sleep shorter than a tick passing one while
    # another thread's round runs), never a stretch of the timeline without samples
    assert max(gaps) < 2.5, [round(t, 1) for t in times]
    assert len(times) >= 0.95 * (times[-1] - times[0])
    assert times[-1] > parallel_ended + 15  # and on through the hold
