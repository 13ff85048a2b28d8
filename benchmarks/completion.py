"""How long a TAB takes: the completion answer's wall time next to `python -c pass` and `mcctl --version`.

Each figure is the median of N fresh processes (default 15), as a shell starts one per TAB. The
completions read the demo estate file and a journal of J operations (default 200) written first
(from one run on the simulator); the TABs themselves use no Azure, no simulator, no network.

    .venv/bin/python benchmarks/completion.py [N] [J]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
MCCTL = str(BIN / "mcctl")


def journal(state: Path, env: dict[str, str], operations: int) -> None:
    """A simulated demo journal of `operations` operations: one real `scale` on the simulator (not
    timed), its records copied under new ids."""
    subprocess.run(
        [MCCTL, "--sim", "--yes", "-o", "none", "scale", "weu-1", "--instances", "4"],
        env=env,
        check=True,
        capture_output=True,
    )
    path = state / "journal" / "sim-demo.jsonl"
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    original = records[0]["op"]
    lines = []
    for i in range(operations):
        op = f"20260101-{i // 3600:02d}{i // 60 % 60:02d}{i % 60:02d}-{i % 65536:04x}"
        lines += [json.dumps({**r, "op": op}) + "\n" for r in records if r.get("op") == original]
    path.write_text("".join(lines), encoding="utf-8")


def median_ms(command: list[str], env: dict[str, str], runs: int) -> tuple[float, str]:
    times = []
    out = ""
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - started)
        out = done.stdout
    return statistics.median(times) * 1000, out


def main(runs: int, operations: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp)
        base = {k: v for k, v in os.environ.items() if not k.startswith(("MCCTL_", "_MCCTL", "COMP_"))}
        base["MCCTL_STATE_DIR"] = str(state)
        journal(state, base, operations)

        def tab(words: str, cword: int) -> dict[str, str]:
            return {**base, "_MCCTL_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(cword)}

        cases = [
            ("python -c pass", [sys.executable, "-c", "pass"], base),
            ("mcctl --version", [MCCTL, "--version"], base),
            ("TAB: mcctl --sim stamps show ", [MCCTL], tab("mcctl --sim stamps show ", 4)),
            ("TAB: mcctl --sim frontdoor drain ", [MCCTL], tab("mcctl --sim frontdoor drain ", 4)),
            (f"TAB: mcctl --sim resume ({operations} ops)", [MCCTL], tab("mcctl --sim resume ", 3)),
        ]
        print(f"median of {runs} fresh processes each")
        for label, command, env in cases:
            ms, out = median_ms(command, env, runs)
            print(f"  {label:<40} {ms:7.1f} ms  ({len(out.split())} words out)")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(args[0] if args else 15, args[1] if len(args) > 1 else 200)
