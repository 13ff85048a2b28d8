"""The synthetic probes of one drill run: started before its first step, stopped after its last (or
its rollback), every sample written beside the journal as it is taken — so a drill killed mid-step
keeps the probes up to the kill — and, at the end, every acknowledged write read back (what is
missing is the RPO the report measures)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mcctl.domain.drill.record import ProbeSample
    from mcctl.domain.drill.spec import ProbeSpec
    from mcctl.ops.services import Services

SAMPLES_FILE = "probes.jsonl"


class SampleLog:
    """Samples in memory until the drill's operation is known (`bind`), then appended to its file
    as they come: the drill's, whatever ran since in the same process (its rollback)."""

    def __init__(self, services: Services, operation: str | None = None) -> None:
        self._services = services
        self._operation = operation
        self._lock = threading.Lock()
        self.samples: list[ProbeSample] = []
        self._written = 0

    def __call__(self, sample: ProbeSample) -> None:
        with self._lock:
            self.samples.append(sample)
            self._write_pending()

    def bind(self, operation: str) -> None:
        with self._lock:
            self._operation = operation
            self._write_pending()

    def _write_pending(self) -> None:
        from mcctl.ops.drill.kept import drill_dir

        if self._operation is None or self._written >= len(self.samples):
            return
        path = drill_dir(self._services, self._operation) / SAMPLES_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a") as out:
            for sample in self.samples[self._written :]:
                out.write(json.dumps(sample.to_dict()) + "\n")
        self._written = len(self.samples)


class DrillProbes:
    """What the drill use case holds while probing: where the samples go once the drill is known."""

    def __init__(self, log: SampleLog) -> None:
        self.log = log

    def bind(self, operation: str) -> None:
        self.log.bind(operation)


@contextmanager
def probing(services: Services, spec: ProbeSpec, *, pace: float | None, operation: str | None) -> Iterator[DrillProbes]:
    from mcctl.domain.frontdoor_verify import endpoint_url
    from mcctl.ops.drill.probes import Prober

    log = SampleLog(services, operation)
    url = f"https://{spec.endpoint}" if spec.endpoint else endpoint_url(services.estate)
    prober = Prober(services.session, spec, url, log, pace=pace)
    if operation is not None:  # a resume: the writes the earlier run acknowledged are read back too
        prober.remember(_acknowledged_before(services, operation))
    prober.start()
    try:
        yield DrillProbes(log)
    finally:
        prober.stop()
        try:
            for sample in prober.verify_writes():
                log(sample)
        finally:
            prober.close()


class _NoProbes:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def probes_for(
    services: Services, spec: ProbeSpec, *, enabled: bool, pace: float | None, operation: str | None = None
) -> Any:
    """The drill's probes as a context (nothing when disabled). `pace`: `--pace N`, N simulated
    seconds per wall second (the clock's own pace is the other way round: wall per simulated)."""
    if not enabled:
        return _NoProbes()
    return probing(services, spec, pace=None if pace is None else 1.0 / pace, operation=operation)


def _acknowledged_before(services: Services, operation: str) -> list[str]:
    from mcctl.domain.drill.record import ProbeKind
    from mcctl.ops.drill.kept import drill_dir

    path = drill_dir(services, operation) / SAMPLES_FILE
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return []
    found = []
    for line in lines:
        try:
            sample = json.loads(line)
        except ValueError:
            continue  # a line cut short by a kill
        if isinstance(sample, dict) and sample.get("kind") == ProbeKind.WRITE and sample.get("ok"):
            found.append(str(sample.get("write_id")))
    return found
