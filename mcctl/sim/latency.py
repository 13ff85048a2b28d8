"""`MCCTL_SIM_LATENCY_MS`: a per-request network latency for the simulated Azure.

Every request (ARM, blob, health probes and other web endpoints) then takes that many simulated
milliseconds on top of its own: in process the transport sleeps it in simulated time (concurrent
requests overlap, as on a network); `mcctl sim serve` sleeps it on the wall before answering. It lets
a benchmark or a practice run show what paging, concurrency and request counts cost at a realistic
round trip (ARM from a laptop: 20-60 ms), which a 0 ms simulator hides.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping

from mcctl.errors import UsageError

LATENCY_ENV = "MCCTL_SIM_LATENCY_MS"
MAX_LATENCY_MS = 60_000.0  # a minute per request: anything above is a typo


def latency_seconds(environ: Mapping[str, str] | None = None) -> float:
    """The latency `MCCTL_SIM_LATENCY_MS` asks for, in seconds (0 when unset or blank). Raises
    UsageError naming the variable for anything but a finite number of milliseconds from 0 to 60000."""
    raw = (os.environ if environ is None else environ).get(LATENCY_ENV, "").strip()
    if not raw:
        return 0.0
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not 0 <= value <= MAX_LATENCY_MS:
        raise UsageError(f"{LATENCY_ENV}: must be a number of milliseconds from 0 to {MAX_LATENCY_MS:.0f}, got {raw!r}")
    return value / 1000.0
