"""A Front Door origin's settings, whole: what `stamps add` creates and `stamps retire` deletes
(and what undoing a delete creates again). Pure values; the adapter maps them to AFDOrigin."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mcctl.domain.estate import Stamp

HTTP_PORT, HTTPS_PORT = 80, 443


@dataclass(frozen=True)
class OriginSpec:
    host_name: str
    origin_host_header: str | None = None
    http_port: int = HTTP_PORT
    https_port: int = HTTPS_PORT
    priority: int = 1
    weight: int = 1000
    enabled: bool = False
    azure_origin_id: str | None = None  # the web app, for Front Door's own bookkeeping
    enforce_certificate_name_check: bool = True

    def to_params(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_params(cls, data: dict[str, Any]) -> OriginSpec:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def differences(self, other: OriginSpec) -> list[str]:
        """What `other` (an existing origin) has otherwise than this, ignoring what a shift or a
        drain moves (enabled, weight, priority): `field: ours ≠ theirs`."""
        moved = {"enabled", "weight", "priority"}
        found = []
        for f in fields(self):
            ours, theirs = getattr(self, f.name), getattr(other, f.name)
            if f.name in moved or _same(ours, theirs):
                continue
            found.append(f"{f.name}: {ours} ≠ {theirs}")
        return found

    def at(self, *, enabled: bool, weight: int) -> OriginSpec:
        return replace(self, enabled=enabled, weight=weight)


def _same(ours: Any, theirs: Any) -> bool:
    if isinstance(ours, str) and isinstance(theirs, str):
        return ours.lower() == theirs.lower()  # host names and resource ids are case-insensitive
    return bool(ours == theirs)


def origin_for(stamp: Stamp, host_name: str, priority: int = 1) -> OriginSpec:
    """The origin a stamp's web app gets: its default host name, sent as the Host header too (App
    Service routes by it), HTTPS with the certificate name checked, disabled until a shift."""
    return OriginSpec(
        host_name=host_name,
        origin_host_header=host_name,
        priority=priority,
        azure_origin_id=stamp.app_ref.id,
    )
