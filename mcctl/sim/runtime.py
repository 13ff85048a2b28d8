"""Open the simulator for an estate: seeded from the estate file, persisted under the state dir."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from mcctl.config.paths import sim_state_path, state_dir  # noqa: F401 (re-exported)
from mcctl.sim.app import Provider, Sim
from mcctl.sim.clock import ClockSpeed, SimClock
from mcctl.sim.store import SimStore, empty_state

if TYPE_CHECKING:
    from mcctl.domain.estate import Estate

# `.invalid` can never resolve: a simulated client that somehow left the process fails at DNS.
SIM_ARM_ENDPOINT = "https://management.sim.mcctl.invalid"
SIM_BLOB_SUFFIX = "blob.sim.mcctl.invalid"  # the simulated storage accounts: `{account}.blob.sim...`

# Bump when what the providers seed changes, so saved simulator states are re-seeded.
SEED_VERSION = 4  # 4: lists page as ARM's (no page_size of 5 in the state)


# Provider factories in routing order, as the registry holds them (name -> factory). The composition
# root passes the registry's (plugins included); the simulator's own built-ins otherwise (tests).
Providers = Mapping[str, Callable[[], Provider]]


def all_providers(providers: Providers | None = None) -> list[Provider]:
    """Fresh providers from `providers` (default: the built-in plugin's, mcctl.sim.plugin)."""
    from mcctl.sim.plugin import BUILTIN_PROVIDERS

    factories = providers.values() if providers is not None else [factory for _, factory in BUILTIN_PROVIDERS]
    return [factory() for factory in factories]


def seed_state(estate: Estate, fingerprint: str, providers: Providers | None = None) -> dict:
    """The initial simulated Azure for an estate: every configured resource, healthy and linked."""
    sim = Sim(SimStore(None, empty_state(estate.name, fingerprint)), all_providers(providers))
    with sim.store.transaction():
        for provider in sim.providers:
            provider.seed(sim, estate)
        if providers is not None:  # which providers seeded it (a plugin's may come or go)
            sim.store.data["providers"] = sorted(providers)
    return sim.store.data


def _seeded_by_others(state: dict, providers: Providers | None) -> bool:
    """The state was seeded by a known set of providers that is not `providers` (a state seeded
    or opened without saying which is taken as it is)."""
    return providers is not None and "providers" in state and state["providers"] != sorted(providers)


def open_simulator(
    estate: Estate,
    fingerprint: str,
    *,
    path: Path | None = None,
    persist: bool = True,
    providers: Providers | None = None,
) -> tuple[Sim, str | None]:
    """Returns (sim, seeding reason or None). persist=False keeps the state in memory (tests).
    A state seeded by other providers (a plugin's simulated service installed or removed since)
    is seeded afresh: its resources would be missing, or left behind."""
    fingerprint = _versioned(fingerprint)
    if not persist:
        return Sim(SimStore(None, seed_state(estate, fingerprint, providers)), all_providers(providers)), "new"

    def fresh(previous: dict | None) -> dict:
        state = seed_state(estate, fingerprint, providers)
        if previous is not None and _only_subscription_differs(str(previous.get("fingerprint")), fingerprint):
            # Same estate, other subscription: the lock's storage account is not in any subscription
            # the override moves, so a lease another operator holds (and the time it is measured
            # on) must survive, as it would in Azure.
            # (with the time a served speed gained since its last renewal: the clock never runs back)
            gained = SimClock(previous["clock_offset"], speed=ClockSpeed.from_state(previous.get("clock_speed")))
            state["clock_offset"] = max(state["clock_offset"], gained.effective_offset())
            state["seq"] = max(state["seq"], previous["seq"])  # ETags stay unique
            if "blob" in previous:
                state["blob"] = previous["blob"]
        return state

    store, reason = SimStore.open(path or sim_state_path(estate.name), fresh, fingerprint)
    previous = store.previous_fingerprint
    if reason == "estate file changed" and previous is not None and _only_subscription_differs(previous, fingerprint):
        reason = "subscription changed"
    elif reason is None and _seeded_by_others(store.data, providers):
        with store.transaction():
            store.data = fresh(None)
            store.dirty = True
        reason = "simulated providers changed"
    return Sim(store, all_providers(providers)), reason


def simulator_fingerprint(file_fingerprint: str, subscription: str | None) -> str:
    """What a simulator state is seeded for: the estate file and a `--subscription` override. The
    seeded resource ids carry the subscription, so a state seeded for another one must not be reused."""
    return f"{file_fingerprint}+subscription={subscription.lower()}" if subscription else file_fingerprint


def reset_simulator(sim: Sim, estate: Estate, fingerprint: str, providers: Providers | None = None) -> None:
    sim.store.replace(seed_state(estate, _versioned(fingerprint), providers))


def reset_state_file(
    estate: Estate, fingerprint: str, path: Path | None = None, providers: Providers | None = None
) -> Path:
    """`sim reset`: write a freshly seeded state without reading the old one (it may be damaged)."""
    target = path or sim_state_path(estate.name)
    SimStore.write_fresh(target, seed_state(estate, _versioned(fingerprint), providers))
    return target


def _only_subscription_differs(previous: str, fingerprint: str) -> bool:
    (was, was_sub), (now, now_sub) = _seeded_for(previous), _seeded_for(fingerprint)
    return was == now and was_sub != now_sub


def _seeded_for(fingerprint: str) -> tuple[str, str | None]:
    """(the estate file and versions, the subscription override) a versioned fingerprint names."""
    head, _, versions = fingerprint.partition("/")
    file_part, _, subscription = head.partition("+subscription=")
    return f"{file_part}/{versions}", subscription or None


def _versioned(fingerprint: str) -> str:
    """The estate file's fingerprint plus the seed and mcctl versions, so an upgraded simulator
    never runs on a state its providers did not seed."""
    from mcctl import __version__

    return f"{fingerprint}/seed{SEED_VERSION}/{__version__}"
