"""Open the simulator for an estate: seeded from the estate file, persisted under the state dir."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mcctl.config.paths import sim_state_path, state_dir  # noqa: F401 (re-exported)
from mcctl.sim.app import Provider, Sim
from mcctl.sim.store import SimStore, empty_state

if TYPE_CHECKING:
    from mcctl.domain.estate import Estate

# `.invalid` can never resolve: a simulated client that somehow left the process fails at DNS.
SIM_ARM_ENDPOINT = "https://management.sim.mcctl.invalid"

# Bump when what the providers seed changes, so saved simulator states are re-seeded.
SEED_VERSION = 3


def all_providers() -> list[Provider]:
    from mcctl.sim.providers.blob import BlobProvider
    from mcctl.sim.providers.cache import CacheProvider
    from mcctl.sim.providers.cdn import CdnProvider
    from mcctl.sim.providers.health import HealthProvider
    from mcctl.sim.providers.sql import SqlProvider
    from mcctl.sim.providers.web import WebProvider

    # HealthProvider before CdnProvider: the Front Door endpoint's catch-all `/@web/{host}/...`
    # routes must not shadow the stamps' health endpoints (the router takes the first match).
    return [WebProvider(), HealthProvider(), CdnProvider(), SqlProvider(), CacheProvider(), BlobProvider()]


def seed_state(estate: Estate, fingerprint: str) -> dict:
    """The initial simulated Azure for an estate: every configured resource, healthy and linked."""
    sim = Sim(SimStore(None, empty_state(estate.name, fingerprint)), all_providers())
    with sim.store.transaction():
        for provider in sim.providers:
            provider.seed(sim, estate)
    return sim.store.data


def open_simulator(
    estate: Estate, fingerprint: str, *, path: Path | None = None, persist: bool = True
) -> tuple[Sim, str | None]:
    """Returns (sim, seeding reason or None). persist=False keeps the state in memory (tests)."""
    fingerprint = _versioned(fingerprint)
    if not persist:
        return Sim(SimStore(None, seed_state(estate, fingerprint)), all_providers()), "new"
    store, reason = SimStore.open(
        path or sim_state_path(estate.name), lambda: seed_state(estate, fingerprint), fingerprint
    )
    return Sim(store, all_providers()), reason


def reset_simulator(sim: Sim, estate: Estate, fingerprint: str) -> None:
    sim.store.replace(seed_state(estate, _versioned(fingerprint)))


def _versioned(fingerprint: str) -> str:
    """The estate file's fingerprint plus the seed and mcctl versions, so an upgraded simulator
    never runs on a state its providers did not seed."""
    from mcctl import __version__

    return f"{fingerprint}/seed{SEED_VERSION}/{__version__}"
