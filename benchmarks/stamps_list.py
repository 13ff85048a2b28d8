"""`mcctl stamps list` (inventory + health column) on generated estates, next to a naive reader.

For each size (default 240 and 600 stamps) and per-request latency (default 0 and 40 ms), in fresh
processes on the in-process simulator:

- `stamps list`: the CLI's own code path (`mcctl --sim --estate FILE -o json stamps list`), on a
  state seeded beforehand (a practice estate is seeded once, then read many times);
- naive: a serial per-stamp reader, 3 GETs per stamp (web app, plan, Front Door origin) through the
  same SDK clients, no health probes: what a script looping over the estate file would do.

The latency is slept on the wall in the transport, outside the simulator's lock, before each request
(ARM and probes alike), as a network would: concurrent requests wait together, serial ones one after
another. (`MCCTL_SIM_LATENCY_MS` passes it in simulated time instead, which costs no wall time: right
for practice and tests, useless for measuring concurrency.) The health endpoints' own simulated
40-140 ms pass in simulated time.

Printed per run (medians of --repeat fresh processes): wall seconds of the whole fresh process
(imports included: what a user waits for) and of the reads themselves inside it, peak RSS of the
process (resource.getrusage), ARM requests in all and by kind, probes, and the health verdicts
(every stamp of a generated estate is healthy: anything else is a bug).

    .venv/bin/python benchmarks/stamps_list.py [--sizes 240,600] [--latencies 0,40] [--repeat 3] [--naive-repeat 1]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

STAMPS_PER_REGION = 20  # 240 stamps = 12 regions of 20, 600 = 30 of 20


# -- the child: one measured run in a fresh process ------------------------------------------------
def request_kind(method: str, path: str) -> str:
    """What a simulated request was, by the shape of its path: `probe` (a web endpoint), else the ARM
    type and whether it listed (`GET microsoft.web/sites list`) or read one (`GET microsoft.web/sites`)."""
    from mcctl.sim.paging import list_type

    lowered = path.lower()
    if not lowered.startswith(("/subscriptions", "/providers", "/tenants")):
        return "probe"
    parts = [p for p in lowered.split("/") if p]
    if "providers" in parts[:-1]:
        after = len(parts) - 1 - parts[::-1].index("providers")
        listed = len(parts[after + 1 :]) % 2 == 0
    else:
        listed = len(parts) % 2 == 1
    return f"{method} {list_type(lowered)}{' list' if listed else ''}"


def _network_latency(latency_ms: float) -> None:
    """Every request of the in-process transport waits `latency_ms` on the wall first, outside the
    simulator's lock (as on a network: concurrent requests overlap)."""
    if latency_ms <= 0:
        return
    from mcctl.sim.transport import InProcessTransport

    real_send = InProcessTransport.send

    def send(self: Any, request: Any, **kwargs: Any) -> Any:
        time.sleep(latency_ms / 1000)
        return real_send(self, request, **kwargs)

    InProcessTransport.send = send  # type: ignore[method-assign]


def _capture_sims() -> list[Any]:
    """Every Sim created from here on (the CLI opens its own)."""
    from mcctl.sim.app import Sim

    made: list[Any] = []
    real_init = Sim.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        real_init(self, *args, **kwargs)
        made.append(self)

    Sim.__init__ = init  # type: ignore[method-assign]
    return made


def child_cli(estate_file: str) -> dict[str, Any]:
    from mcctl.__main__ import main

    sims = _capture_sims()
    sys.argv = ["mcctl", "--sim", "--estate", estate_file, "-o", "json", "stamps", "list"]
    out = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
        main()
    work = time.perf_counter() - started
    rows = json.loads(out.getvalue())
    sim = max(sims, key=lambda made: len(made.requests))  # (seeding makes throwaway ones)
    return _result(sim, work, {"stamps": len(rows), "health": dict(Counter(r["health"] for r in rows))})


def child_naive(estate_file: str) -> dict[str, Any]:
    from mcctl.bootstrap import simulated_session
    from mcctl.config.loader import load_estate, locate_estate
    from mcctl.sim.runtime import open_simulator

    estate = load_estate(locate_estate(estate_file, sim=True))
    sim, _ = open_simulator(estate, "naive", persist=False)
    session = simulated_session(estate, sim)
    fd = estate.frontdoor
    started = time.perf_counter()
    for stamp in estate.stamps:  # one stamp after another, three GETs each
        web = session.web(estate.subscription)
        web.web_apps.get(stamp.resource_group, stamp.web_app)
        web.app_service_plans.get(stamp.resource_group, stamp.app_service_plan)
        session.cdn(estate.subscription).afd_origins.get(fd.resource_group, fd.profile, fd.origin_group, stamp.origin)
    work = time.perf_counter() - started
    session.close()
    return _result(sim, work, {"stamps": len(estate.stamps), "health": {}})


def _result(sim: Any, work: float, extra: dict[str, Any]) -> dict[str, Any]:
    kinds = Counter(request_kind(r.method, r.path) for r in sim.requests)
    arm = sum(n for k, n in kinds.items() if k != "probe")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # ru_maxrss is KiB on Linux
    return {"work": work, "peak_mib": peak, "arm": arm, "kinds": dict(kinds), **extra}


# -- the parent: fresh processes, medians, the table -------------------------------------------------
def run_child(mode: str, estate_file: Path, latency_ms: float, state_dir: Path) -> dict[str, Any]:
    env = {
        **os.environ,
        "MCCTL_STATE_DIR": str(state_dir),
        "MCCTL_PLUGINS": "",
        "MCCTL_SIM_LATENCY_MS": str(latency_ms),
    }
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(estate_file), str(latency_ms)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    process = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{mode} run failed ({done.returncode}):\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["process"] = process
    return result


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    summary = dict(runs[-1])
    for key in ("process", "work", "peak_mib"):
        summary[key] = statistics.median(r[key] for r in runs)
    return summary


def line(label: str, r: dict[str, Any]) -> str:
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(r["kinds"].items()) if k != "probe")
    probes = r["kinds"].get("probe", 0)
    health = ", ".join(f"{n} {v}" for v, n in sorted(r["health"].items())) or "-"
    return (
        f"  {label:<11}  process {r['process']:6.2f} s  reads {r['work']:6.2f} s  peak {r['peak_mib']:4.0f} MiB"
        f"  ARM {r['arm']:4d}  probes {probes:4d}  health: {health}\n      ARM by kind: {kinds}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="240,600", help="stamp counts, multiples of 20 (default 240,600)")
    parser.add_argument("--latencies", default="0,40", help="MCCTL_SIM_LATENCY_MS values (default 0,40)")
    parser.add_argument("--repeat", type=int, default=3, help="fresh processes per figure (median)")
    parser.add_argument("--naive-repeat", type=int, default=1, help="the same for the naive reader (slow: default 1)")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "FILE", "LATENCY_MS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.repeat < 1 or args.naive_repeat < 0:
        parser.error("--repeat must be at least 1 and --naive-repeat at least 0")
    if args.child:
        mode, estate_file, latency_ms = args.child
        _network_latency(float(latency_ms))
        result = child_cli(estate_file) if mode == "cli" else child_naive(estate_file)
        print(json.dumps(result))
        return

    from mcctl.sim.generate import estate_yaml

    sizes = [int(s) for s in args.sizes.split(",")]
    latencies = [float(x) for x in args.latencies.split(",")]
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; medians of {args.repeat} fresh processes"
        f" ({args.naive_repeat} for the naive reader)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            regions = max(1, size // STAMPS_PER_REGION)
            estate_file = Path(tmp) / f"bench-{size}.yaml"
            estate_file.write_text(estate_yaml(f"bench{size}", regions, STAMPS_PER_REGION), encoding="utf-8")
            for latency in latencies:
                state_dir = Path(tmp) / f"state-{size}-{latency:g}"
                run_child("cli", estate_file, latency, state_dir)  # seeds the state: not measured
                cli = median_of([run_child("cli", estate_file, latency, state_dir) for _ in range(args.repeat)])
                naives = [run_child("naive", estate_file, latency, state_dir) for _ in range(args.naive_repeat)]
                print(f"{regions * STAMPS_PER_REGION} stamps, {latency:g} ms per request:")
                print(line("stamps list", cli))
                if not naives:  # --naive-repeat 0: the naive reader is not run
                    continue
                naive = median_of(naives)
                print(line("naive", naive))
                speedup = naive["process"] / max(1e-9, cli["process"])
                print(f"  naive serial reader (no health) / stamps list (with health), process wall: {speedup:.1f}x")


if __name__ == "__main__":
    main()
