"""Per-invocation state behind the global options: the estate, the simulator, the SDK session.

Everything is built lazily, so `mcctl --help` and usage errors cost no estate load and no SDK import.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession
    from mcctl.config.loader import EstateSource
    from mcctl.domain.estate import Estate
    from mcctl.sim.app import Sim

OUTPUT_FORMATS = ("table", "json", "yaml", "tsv")


@dataclass
class GlobalOptions:
    estate: str | None = None
    sim: bool = False
    subscription: str | None = None
    output: str = "table"
    query: str | None = None
    yes: bool = False
    debug: bool = False
    credential: str | None = None


@dataclass
class Runtime:
    options: GlobalOptions
    argv: list[str] = field(default_factory=list)  # the command line as typed (for the journal)
    _source: EstateSource | None = None
    _estate: Estate | None = None
    _sim: Sim | None = None
    _session: AzureSession | None = None

    @property
    def source(self) -> EstateSource:
        if self._source is None:
            from mcctl.config.loader import locate_estate

            self._source = locate_estate(self.options.estate, sim=self.options.sim)
        return self._source

    @property
    def estate(self) -> Estate:
        if self._estate is None:
            from dataclasses import replace

            from mcctl.config.loader import load_estate

            estate = load_estate(self.source)
            if self.options.subscription:
                estate = replace(estate, subscription=self.options.subscription)
            self._estate = estate
            if self.options.sim:  # every run on the simulator says so, whatever it touches
                from mcctl.cli import render
                from mcctl.sim.runtime import sim_state_path

                origin = "built-in demo" if self.source.is_demo else self.source.location
                state = sim_state_path(estate.name)
                render.note(f"SIMULATED estate '{estate.name}' ({origin}); simulator state: {state}")
        return self._estate

    @property
    def sim(self) -> Sim | None:
        """The simulator when --sim is on (opened, and seeded on first use)."""
        if self.options.sim and self._sim is None:
            from mcctl.cli import render
            from mcctl.sim.runtime import open_simulator, sim_state_path

            path = sim_state_path(self.estate.name)
            self._sim, reason = open_simulator(self.estate, self.source.fingerprint, path=path)
            if reason == "estate file changed":
                render.note("the estate file changed since the simulator was seeded: simulator re-seeded")
        return self._sim

    @property
    def session(self) -> AzureSession:
        if self._session is None:
            from mcctl.adapters.clients import AzureSession

            self._session = AzureSession(
                self.estate, sim=self.sim, credential_kind=self.options.credential, debug=self.options.debug
            )
        return self._session

    def close(self) -> None:
        if self._session is not None:
            self._session.close()


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def output_overrides(runtime: Runtime, output: str | None, query: str | None, yes: bool = False) -> None:
    """A command's own -o/--query/--yes win over the root's (options work before or after the command)."""
    if yes:
        runtime.options.yes = True
    if output is not None:
        if output not in OUTPUT_FORMATS:
            from mcctl.errors import UsageError

            raise UsageError(f"--output: must be one of {', '.join(OUTPUT_FORMATS)}, got '{output}'")
        runtime.options.output = output
    if query is not None:
        runtime.options.query = query


def emit(runtime: Runtime, data: Any, **kwargs: Any) -> None:
    from mcctl.cli import render

    render.emit(data, runtime.options.output, runtime.options.query, **kwargs)
