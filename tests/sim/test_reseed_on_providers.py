"""A simulator state seeded by other providers (a plugin's simulated service installed or removed
since) is seeded afresh, and says why."""

from __future__ import annotations

from pathlib import Path

from mcctl.config.loader import demo_source, load_estate
from mcctl.sim.plugin import BUILTIN_PROVIDERS
from mcctl.sim.runtime import open_simulator


class Extra:
    name = "Example.Extra"
    effects: dict = {}

    def register(self, router) -> None:
        return None

    def seed(self, sim, estate) -> None:
        sim.store.data["extra_seeded"] = True


def test_a_new_provider_reseeds_and_says_so(tmp_path: Path) -> None:
    estate = load_estate(demo_source())
    path = tmp_path / "demo.json"
    builtin = dict(BUILTIN_PROVIDERS)
    first, reason = open_simulator(estate, "fp", path=path, providers=builtin)
    assert reason is not None and "extra_seeded" not in first.store.data
    again, reason = open_simulator(estate, "fp", path=path, providers=builtin)
    assert reason is None  # the same providers: the state is kept
    with_extra, reason = open_simulator(estate, "fp", path=path, providers={**builtin, "Example.Extra": Extra})
    assert reason == "simulated providers changed" and with_extra.store.data.get("extra_seeded") is True
    _, reason = open_simulator(estate, "fp", path=path, providers=builtin)
    assert reason == "simulated providers changed"  # removed again: seeded without it
