"""Which stamps a command acts on: a region, one stamp, or both narrowed together.

Every command that takes REGION/--region/--stamp resolves it here, so the same typo gets the same
one-line error (naming the option and listing what exists) whatever the command.
"""

from __future__ import annotations

from dataclasses import dataclass

from mcctl.domain.estate import Estate, Stamp
from mcctl.domain.regions import normalize_region
from mcctl.errors import UsageError


def known_region(estate: Estate, region: str, option: str = "--region") -> str:
    """The normalized region, if the estate has stamps there. An explicit empty value (`--region
    "$UNSET"`) is a mistake, never "every region"."""
    wanted = normalize_region(region)
    if wanted not in estate.regions:
        raise UsageError(f"{option}: '{region}' has no stamps (regions: {', '.join(estate.regions)})")
    return wanted


def known_stamp(estate: Estate, name: str, option: str = "--stamp") -> Stamp:
    found = estate.stamp(name)
    if found is None and estate.retired_stamp(name) is not None:
        raise UsageError(f"{option}: stamp '{name}' is retired (blue-green: its origin was deleted)")
    if found is None:
        raise UsageError(f"{option}: unknown stamp '{name}' (stamps: {', '.join(s.name for s in estate.stamps)})")
    return found


@dataclass(frozen=True)
class StampSelection:
    """A region, one stamp, or (when `exactly_one` is off) neither = every stamp, or both = the stamp
    if it is in that region. The option names are what the command calls them, for the errors."""

    region: str | None = None
    stamp: str | None = None
    region_option: str = "REGION"
    stamp_option: str = "--stamp"
    exactly_one: bool = True

    def validate(self, estate: Estate) -> None:
        if self.exactly_one and (self.region is None) == (self.stamp is None):
            raise UsageError(f"{self.region_option} or {self.stamp_option}: give exactly one")
        if self.stamp is not None:
            known_stamp(estate, self.stamp, self.stamp_option)
        if self.region is not None:
            known_region(estate, self.region, self.region_option)

    def stamps(self, estate: Estate) -> tuple[Stamp, ...]:
        """The selected stamps, in estate order (validates first)."""
        self.validate(estate)
        chosen = estate.stamps
        if self.region is not None:
            wanted = normalize_region(self.region)
            chosen = tuple(s for s in chosen if s.region == wanted)
        if self.stamp is not None:
            chosen = tuple(s for s in chosen if s.name == self.stamp)
        return chosen

    def describe(self) -> str:
        if self.stamp is not None:
            return f"stamp {self.stamp}"
        if self.region is not None:
            return f"region {normalize_region(self.region)}"
        return "every stamp"
