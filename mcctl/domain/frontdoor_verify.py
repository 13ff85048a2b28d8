"""Whether a Front Door change has reached the edge: the answers of the public endpoint and the
verdict they give (pure; ops sends the probes).

The edge applies an accepted change some minutes later, and only the answers tell when. Each answer
must name the stamp that served it (`x-mcctl-served-by: STAMP/REGION`; the simulator sends it, a
real app adds it in middleware).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mcctl.errors import UsageError

if TYPE_CHECKING:
    from mcctl.domain.estate import Estate

SERVED_BY_HEADER = "x-mcctl-served-by"


def endpoint_url(estate: Estate) -> str:
    return f"https://{estate.frontdoor.endpoint_host}/"


@dataclass(frozen=True)
class Probe:
    seconds: float  # since the check started, on the session clock
    status: int | None
    stamp: str | None
    region: str | None
    error: str | None = None

    @classmethod
    def answer(cls, seconds: float, status: int, headers: Mapping[str, str]) -> Probe:
        """An HTTP answer, with the stamp and region it names (if any)."""
        lowered = {k.lower(): v for k, v in headers.items()}
        stamp, _, region = (lowered.get(SERVED_BY_HEADER) or "").partition("/")
        return cls(seconds, status, stamp or None, region or None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "seconds": round(self.seconds, 3),
            "status": self.status,
            "stamp": self.stamp,
            "region": self.region,
            "error": self.error,
        }


@dataclass
class Verification:
    """Whether the edge sends traffic away from (mode `away`) or back to (mode `back`) some stamps."""

    mode: str
    url: str
    stamps: tuple[str, ...]  # the drained (away) or restored (back) stamps
    count: int
    timeout: float
    passed: bool = False
    seconds: float = 0.0
    probes: list[Probe] = field(default_factory=list)
    streak: int = 0
    best_streak: int = 0

    def add(self, probe: Probe) -> None:
        """One more answer: `away` passes at `count` consecutive answers from other stamps, `back`
        once every one of the stamps has answered."""
        self.probes.append(probe)
        if self.mode == "away":
            self.streak = self.streak + 1 if probe.stamp and probe.stamp not in self.stamps else 0
            self.best_streak = max(self.best_streak, self.streak)
            self.passed = self.streak >= self.count
        else:
            self.passed = set(self.stamps) <= {p.stamp for p in self.probes}

    def require_served_by(self) -> None:
        """An endpoint whose successful answers never name a stamp can never verify: say so at once."""
        answered = [p for p in self.probes if p.status is not None and 200 <= p.status < 300]
        if len(answered) >= self.count and not any(p.stamp for p in self.probes):
            raise UsageError(
                f"{self.url} answers without a {SERVED_BY_HEADER} header, so the serving stamp is unknown",
                hint=f"have each stamp's app add `{SERVED_BY_HEADER}: STAMP/REGION` to its responses",
            )

    @property
    def served_by(self) -> dict[str, list[str]]:
        """Stamps and regions seen in the deciding answers (the last `count`, or all for `back`)."""
        named = [p for p in self.probes if p.stamp]
        if self.mode == "away" and self.passed:
            named = named[-self.count :]
        return {
            "stamps": list(dict.fromkeys(p.stamp for p in named if p.stamp)),
            "regions": list(dict.fromkeys(p.region for p in named if p.region)),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "url": self.url,
            "stamps": list(self.stamps),
            "passed": self.passed,
            "seconds": round(self.seconds, 3),
            "required_consecutive": self.count if self.mode == "away" else None,
            "best_streak": self.best_streak if self.mode == "away" else None,
            "timeout": self.timeout,
            "served_by": self.served_by,
            "probes": len(self.probes),
            "failed": self.failed,
            "last": [p.to_dict() for p in self.probes[-self.count :]],
        }

    @property
    def failed(self) -> int:
        """Probes that got no HTTP answer at all (the endpoint unreachable, a timeout)."""
        return sum(1 for p in self.probes if p.status is None)

    def _away_failure(self) -> str:
        """Why `away` did not pass, told apart by what the answers were: some came from the drained
        stamps; or none came (the endpoint did not answer); or they came from elsewhere but never
        `count` in a row (failures or answers naming no stamp in between). Ends inside a parenthesis."""
        drained = [p for p in self.probes if p.stamp and p.stamp in self.stamps]
        elsewhere = [p for p in self.probes if p.stamp and p.stamp not in self.stamps]
        run = f"best run {self.best_streak} of {self.count} answers from elsewhere"
        counts = f"{len(self.probes)} probes, {self.failed} failed"
        if drained:
            who = ", ".join(dict.fromkeys(p.stamp for p in drained if p.stamp))
            return f"{self.url} still answered from {who} ({len(drained)} answers of {counts}; {run}"
        if not elsewhere:
            nothing = "did not answer" if self.failed == len(self.probes) else "gave no answer naming a stamp"
            return f"{self.url} {nothing}: no answer from {', '.join(self.stamps)} or elsewhere ({counts}"
        others = ", ".join(dict.fromkeys(p.stamp for p in elsewhere if p.stamp))
        never = f"but never {self.count} answers in a row"
        return f"{self.url} answered only from elsewhere ({others}), {never} ({counts}; {run}"

    def describe(self) -> str:
        served = self.served_by
        where = f"{', '.join(served['stamps'])} ({', '.join(r for r in served['regions'] if r)})"
        if self.mode == "away" and self.passed:
            return (
                f"verified after {self.seconds:.0f}s: the last {self.count} answers of {self.url} came from {where}, "
                f"none from {', '.join(self.stamps)} ({len(self.probes)} probes)"
            )
        if self.passed:
            return (
                f"verified after {self.seconds:.0f}s: {', '.join(self.stamps)} serve again ({len(self.probes)} probes)"
            )
        last = next((p for p in reversed(self.probes) if p.stamp or p.error), None)
        seen = f"; last answer: {_probe_text(last)}" if last else ""
        if self.mode == "away":
            return f"not verified after {self.timeout:g}s: {self._away_failure()}{seen})"
        missing = [s for s in self.stamps if s not in served["stamps"]]
        if not any(p.stamp for p in self.probes) and self.failed:
            return (
                f"not verified after {self.timeout:g}s: {self.url} gave no answer naming a stamp "
                f"({self.failed} of {len(self.probes)} probes failed{seen})"
            )
        return (
            f"not verified after {self.timeout:g}s: no answer of {self.url} came from {', '.join(missing)} "
            f"({len(self.probes)} probes{seen})"
        )


def _probe_text(probe: Probe) -> str:
    if probe.error:
        return probe.error
    return f"HTTP {probe.status} from {probe.stamp}/{probe.region}"
