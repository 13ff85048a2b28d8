"""The hooks a plugin implements (pluggy, project name and entry-point group `mcctl`).

Every hook hands the plugin one `register` callback and returns nothing: a plugin says what it adds,
the registry decides where it goes (and refuses a name already taken). The built-in jobs are plugins
too (`mcctl.plugins.DEFAULT_PLUGINS`), so they use exactly these hooks.

This module imports nothing from mcctl: the simulator implements a hook too, and must not reach the
client side through it (an import-linter contract).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pluggy import HookimplMarker, HookspecMarker

hookspec = HookspecMarker("mcctl")
hookimpl = HookimplMarker("mcctl")


@hookspec
def register_step_kinds(register: Callable[[Any], None]) -> None:
    """register(kind): a `mcctl.ops.registry.StepKind` (read, apply, project, pending, inverse)."""


@hookspec
def register_safety_rules(register: Callable[[Any], None]) -> None:
    """register(rule): a `mcctl.domain.safety.SafetyRule`, evaluated on every plan with the built-ins."""


@hookspec
def register_gates(register: Callable[[str, Callable[..., Any]], None]) -> None:
    """register(name, factory): the gate a gradual plan names; factory(session, estate, plan, before,
    note, registry) returns the callback run between two groups (raise GateFailed to stop); `registry`
    is the run's (e.g. to project its steps)."""


@hookspec
def register_health_signals(register: Callable[[Any], None]) -> None:
    """register(signal): a `mcctl.ops.registry.HealthSignal` (name, description, judge, optional read):
    what it says of each stamp, joining the stamp's verdict in `mcctl health` (after the built-ins)."""


@hookspec
def register_sim_providers(register: Callable[[str, Callable[[], Any]], None]) -> None:
    """register(name, factory): factory() returns a simulator Provider (seeds and serves a resource type)."""


@hookspec
def register_estate_sections(register: Callable[[str, Callable[[Any], Any]], None]) -> None:
    """register(name, parse): the plugin reads the estate file's `plugins.<name>` section; parse(raw)
    returns its settings (kept in `Estate.plugins[name]`) or raises pydantic.ValidationError or
    mcctl.errors.EstateFileError, reported with field paths `plugins.<name>.<field>`."""


@hookspec
def register_commands(register: Callable[..., None]) -> None:
    """register(name, target, group=True): a Typer app mounted as `mcctl <name>`, or (group=False) one
    command function. Import Typer and Rich inside the hook, never azure: `mcctl --help` runs it."""
