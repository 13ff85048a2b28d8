"""A drain on a journal of 5,000 operations: the full parse it did before the index, next to the
indexed read (cold: the first read builds the index; warm: it exists), in one run.

Each figure is the median of R fresh processes (default 3) running `mcctl --sim -y -o none frontdoor
drain --stamp weu-2` on a copy of the same simulated state and journal: wall time and the process's
peak RSS. The journal is N operations (default 5,000): one real drain and one real restore on the
simulator (not timed), copied under new ids across the demo's stamps (every stamp ends restored).

- `full parse`: every journal read parses the whole file (what the code did before the index).
- `indexed`: the drain reads `Journal.operations_touching(origins)` — the operations that decide its
  origins' priors — and the in-flight check `unfinished_operations()`, both through the index. Until
  cli/commands/frontdoor.py calls `operations_touching` itself, the run makes `operations()` do that
  (the one call a drain makes), so the figure is the drain as it reads once that line changes.
- `no journal`: the same drain with an empty journal (the floor).
- `the code as it is`: no change made by the run (while the drain still calls `operations()`, that
  is one full parse plus the indexed in-flight check).

Also in process: the journal read alone (what a drain plans from), full vs indexed, with tracemalloc.

    .venv/bin/python benchmarks/journal.py [N] [R]
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

BIN = Path(sys.executable).parent
MCCTL = str(BIN / "mcctl")
DRAIN = ["--sim", "-y", "-o", "none", "frontdoor", "drain", "--stamp", "weu-2"]

# Runs the CLI in this process with the journal read as MODE says, then reports wall and peak RSS.
WARM = "from pathlib import Path; from mcctl.ops.journal import Journal; Journal(Path({path!r})).ids()"
RUNNER = r"""
import json, os, resource, sys, time
started = time.perf_counter()
from mcctl.ops import journal as J
from mcctl.ops.journal_records import OperationRecord

mode = os.environ["BENCH_MODE"]
origins = json.loads(os.environ["BENCH_ORIGINS"])
if mode == "full":  # every read parses the whole journal, as before the index
    def operation(self, ref):
        ops = self.operations()
        return ops[-1] if ref == "latest" else next(o for o in ops if o.id.startswith(ref))
    J.Journal.operation = operation
    J.Journal.unfinished_operations = lambda self: [o for o in self.operations() if o.unfinished]
    J.Journal.operations_touching = lambda self, resources: self.operations()
elif mode == "indexed":  # the drain's one full read becomes the bounded one
    J.Journal.operations = lambda self: self.operations_touching(origins)
from mcctl.cli.main import main
sys.argv = ["mcctl"] + sys.argv[1:]
code = 0
try:
    main()
except SystemExit as exc:
    code = exc.code or 0
wall = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
with open(os.environ["BENCH_OUT"], "w") as fh:
    json.dump({"wall": wall, "peak_mib": peak, "code": code}, fh)
"""


def _env(state: Path) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("MCCTL_", "_MCCTL", "COMP_"))}
    return {**base, "MCCTL_STATE_DIR": str(state), "MCCTL_PLUGINS": ""}


def build(template: Path, operations: int) -> list[str]:
    """The simulated state after a real drain and restore of weu-1, and a journal of `operations`
    operations copied from them; returns the demo's origin names."""
    env = _env(template)
    for verb in ("drain", "restore"):
        subprocess.run(
            [MCCTL, "--sim", "-y", "-o", "none", "frontdoor", verb, "--stamp", "weu-1"],
            env=env,
            check=True,
            capture_output=True,
        )
    listed = subprocess.run(
        [MCCTL, "--sim", "-o", "json", "stamps", "list"], env=env, check=True, capture_output=True, text=True
    )
    stamps = [s["name"] for s in json.loads(listed.stdout)]
    path = template / "journal" / "sim-demo.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    ids = list(dict.fromkeys(json.loads(line)["op"] for line in lines))
    drain, restore = ([line for line in lines if json.loads(line)["op"] == op] for op in ids[:2])
    out = []
    for n in range(operations):
        stamp = stamps[(n // 2) % len(stamps)]
        op = f"20260101-{n // 3600:02d}{n // 60 % 60:02d}{n % 60:02d}-{n:05x}"
        for line in drain if n % 2 == 0 else restore:
            out.append(line.replace(ids[n % 2], op).replace("weu-1", stamp) + "\n")
    path.write_text("".join(out), encoding="utf-8")
    return [f"origin-{s}" for s in stamps]


def run(
    template: Path, mode: str, origins: list[str], runs: int, *, warm: bool, empty: bool = False
) -> dict[str, float]:
    walls, peaks = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            state = Path(tmp) / "state"
            shutil.copytree(template, state)
            journal = state / "journal" / "sim-demo.jsonl"
            if empty:
                journal.write_text("")
            if warm:  # an earlier command left the index
                subprocess.run(
                    [
                        sys.executable,
                        "-c",
                        WARM.format(path=str(journal)),
                    ],
                    check=True,
                )
            out = Path(tmp) / "out.json"
            env = {**_env(state), "BENCH_MODE": mode, "BENCH_ORIGINS": json.dumps(origins), "BENCH_OUT": str(out)}
            subprocess.run([sys.executable, "-c", RUNNER, *DRAIN], env=env, check=True, capture_output=True)
            result = json.loads(out.read_text())
            if result["code"] != 0:
                raise SystemExit(f"the drain failed ({mode}): exit {result['code']}")
            walls.append(result["wall"])
            peaks.append(result["peak_mib"])
    return {"wall": statistics.median(walls), "best": min(walls), "peak": statistics.median(peaks)}


def in_process(path: Path, origins: list[str]) -> None:
    from mcctl.ops.frontdoor import history
    from mcctl.ops.journal import Journal
    from mcctl.ops.journal_reader import forget_indexes

    Journal(path).ids()  # warm: the index is on disk
    for label, read in (
        ("full parse: Journal.operations()", lambda j: j.operations()),
        ("indexed: Journal.operations_touching(origins)", lambda j: j.operations_touching(origins)),
    ):
        forget_indexes()  # as a new process: the index is read from disk
        journal = Journal(path)
        started = time.perf_counter()
        found = history(read(journal))
        wall = time.perf_counter() - started
        forget_indexes()
        tracemalloc.start()  # a second read for the memory alone (tracemalloc slows what it traces)
        history(read(Journal(path)))
        peak = tracemalloc.get_traced_memory()[1] / 1048576
        tracemalloc.stop()
        print(f"  {label:<48} {wall * 1000:7.1f} ms  peak {peak:6.1f} MiB  {journal.parsed:6d} records parsed")
        print(f"  {'':<48} ({len(found)} operations that set origins)")


def main(operations: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "template"
        origins = build(template, operations)
        path = template / "journal" / "sim-demo.jsonl"
        size = path.stat().st_size / 1048576
        print(
            f"journal: {operations} operations, {size:.1f} MiB; drain --stamp weu-2; median of {runs} fresh processes"
        )
        rows = [
            ("no journal (floor)", run(template, "indexed", origins, runs, warm=False, empty=True)),
            ("full parse (before the index)", run(template, "full", origins, runs, warm=False)),
            ("indexed, cold (builds the index)", run(template, "indexed", origins, runs, warm=False)),
            ("indexed, warm (index exists)", run(template, "indexed", origins, runs, warm=True)),
            ("the code as it is, warm index", run(template, "as-is", origins, runs, warm=True)),
        ]
        for label, figures in rows:
            wall, best, peak = figures["wall"], figures["best"], figures["peak"]
            print(f"  {label:<36} wall {wall:6.2f} s (best {best:5.2f} s)   peak RSS {peak:6.1f} MiB")
        print("the journal read alone, in process (warm index):")
        in_process(path, origins)


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(args[0] if args else 5000, args[1] if len(args) > 1 else 3)
