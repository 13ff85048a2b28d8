"""Per-invocation state behind the global options: the estate, the simulator, the SDK session.

Everything is built lazily, so `mcctl --help` and usage errors cost no estate load and no SDK import.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from mcctl.errors import UsageError

T = TypeVar("T")

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession
    from mcctl.config.loader import EstateSource
    from mcctl.domain.estate import Estate
    from mcctl.sim.app import Sim

# wide: a table with every column; none: nothing on stdout (a script that wants the exit code only)
OUTPUT_FORMATS = ("table", "wide", "json", "yaml", "tsv", "none")


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
            from mcctl.cli import render
            from mcctl.config.loader import load_estate
            from mcctl.ops.registry import current_registry

            sections = current_registry().estate_sections  # the plugins' `plugins:` sections
            estate = load_estate(
                self.source, subscription=self.options.subscription, sections=sections, warn=render.warn
            )
            self._estate = estate
            override = self.options.subscription
            if self.options.sim:  # every run on the simulator says so, whatever it touches
                from mcctl.config.paths import sim_state_path

                origin = "built-in demo" if self.source.is_demo else self.source.location
                state = sim_state_path(estate.name)
                where = f"; subscription {override}" if override else ""
                render.note(f"SIMULATED estate '{estate.name}' ({origin}{where}); simulator state: {state}")
            elif override:
                render.note(f"subscription {override} (--subscription) for every resource without its own")
        return self._estate

    @property
    def sim_fingerprint(self) -> str:
        """What the simulator is seeded for: the estate file, and the subscription override if it
        changes anything (the file's own subscription given again must not re-seed the practice estate)."""
        from mcctl.config.loader import load_estate
        from mcctl.sim.runtime import simulator_fingerprint

        override = self.options.subscription
        if override and override.lower() == load_estate(self.source).subscription.lower():
            override = None
        return simulator_fingerprint(self.source.seed_fingerprint, override)

    @property
    def sim(self) -> Sim | None:
        """The simulator when --sim is on (opened, and seeded on first use)."""
        if self.options.sim and self._sim is None:
            from mcctl.cli import render
            from mcctl.plugins import registry
            from mcctl.sim.latency import latency_seconds
            from mcctl.sim.runtime import open_simulator, sim_state_path

            latency = latency_seconds()  # a bad MCCTL_SIM_LATENCY_MS is refused before the state is touched
            path = sim_state_path(self.estate.name)
            providers = registry().sim_providers
            self._sim, reason = open_simulator(self.estate, self.sim_fingerprint, path=path, providers=providers)
            self._sim.latency = latency
            if reason == "estate file changed":
                render.note("the estate file changed since the simulator was seeded: simulator re-seeded")
            elif reason == "simulated providers changed":
                render.note("a plugin's simulated service was installed or removed: simulator re-seeded")
            elif reason == "subscription changed":
                render.note(
                    f"the simulator was seeded for another subscription: re-seeded for {self.estate.subscription}"
                )
        return self._sim

    @property
    def session(self) -> AzureSession:
        if self._session is None:
            from mcctl.bootstrap import azure_session, simulated_session

            kind, debug = self.options.credential, self.options.debug
            sim = self.sim
            session = (
                azure_session(self.estate, credential_kind=kind, debug=debug)
                if sim is None
                else simulated_session(self.estate, sim, credential_kind=kind, debug=debug)
            )
            from mcctl.ops.regioncheck import check_regions, needs_location_check

            if needs_location_check(self.estate, self.source):  # a custom cloud without `regions:`
                from mcctl.cli import render

                try:  # an unknown region is refused before the command reads or changes anything
                    check_regions(session, self.estate, warn=render.warn)
                except BaseException:
                    session.close()
                    raise
            self._session = session
            from mcctl.ops.discovery import discover

            # Stamps a pipeline deployed (tagged web apps) and where each is in a release: every
            # command that talks to Azure sees the same estate, whoever changed the tags.
            self._estate = discover(session, self.estate)
        return self._session

    def validated(self, validate: Callable[[Estate], T], *stamps: str | None) -> T:
        """`validate` (a request's check) against the estate a command's stamp names mean: bad input
        the estate file alone shows fails before any Azure call; a command that names stamps is
        then checked against the stamps as they are on ARM (one a pipeline tagged, or one retired
        since the file was written: an Azure read)."""
        named = [name for name in stamps if name is not None]
        try:
            checked = validate(self.estate)
        except UsageError:
            # An estate that finds its stamps on Azure (`discover:`) has regions and stamps the
            # file does not name: they are judged on the estate as discovered.
            if self.estate.discover is None and all(self.estate.stamp(name) is not None for name in named):
                raise
        else:
            if not named:
                return checked
        return validate(self.discovered_estate())

    def discovered_estate(self) -> Estate:
        """The estate with the stamps a pipeline deployed and tagged (opening the session finds them):
        for a command that names a stamp the estate file does not list."""
        self.session  # noqa: B018  (opening it is what discovers them)
        return self.estate

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
        if self._sim is not None:
            # The simulated time the command's probes and polls passed, kept in memory until now.
            # A state that cannot be written now loses only that time: the command's own outcome
            # (already reported, or the error on its way out) must not be replaced by this.
            from mcctl.errors import McctlError

            try:
                self._sim.flush()
            except (McctlError, OSError):
                pass


TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off", "")


def env_flag(name: str) -> bool:
    """A boolean environment switch. Anything but the words below is refused: `MCCTL_SIM=maybe`
    must not quietly mean "real Azure"."""
    raw = os.environ.get(name)
    if raw is None:
        return False
    value = raw.strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    from mcctl.errors import UsageError

    raise UsageError(
        f"{name}: not a yes/no value: {raw!r}",
        hint=f"use one of {'/'.join(TRUE_WORDS)} or {'/'.join(w for w in FALSE_WORDS if w)} (or unset it)",
    )


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
