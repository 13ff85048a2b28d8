"""Plugins (pluggy): the built-in jobs and the installed distributions, loaded through the same hooks.

`DEFAULT_PLUGINS` are modules of mcctl itself; third-party plugins are entry points of the group
`mcctl`, filtered by MCCTL_PLUGINS (comma-separated entry-point or distribution names; empty: none;
unset: all). A plugin that fails to import or to register is skipped with one warning line on
stderr: a broken add-on must not take the operator's tool down with it.

The registry is built once per process (`registry()`); `build_registry()` builds a fresh one (tests).
Modules are imported by name, so this module depends on no layer but the registry's.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pluggy

from mcctl import hookspecs
from mcctl.ops.registry import Registry

ENTRY_POINT_GROUP = "mcctl"
PLUGINS_ENV = "MCCTL_PLUGINS"

# In load order: the CLI's commands keep the order they had (`mcctl --help`).
DEFAULT_PLUGINS = (
    "mcctl.ops.steps",  # scale_plan, set_origin
    "mcctl.ops.sqlfailover",  # sql_failover, the SQL link pre-flight rule
    "mcctl.ops.frontdoor",  # the health gate of gradual shifts
    "mcctl.ops.shift",  # the shift gate and the shift-capacity rule (blue-green)
    "mcctl.ops.bluegreen",  # create_origin, delete_origin, set_lifecycle (blue-green releases)
    "mcctl.ops.redisgeo",  # redis_unlink, redis_relink
    "mcctl.ops.health",  # the built-in signals of `mcctl health`
    "mcctl.ops.evacuation",  # the health pre-flight rules of evacuate and reinstate
    "mcctl.ops.drill.kinds",  # the drill step kinds (drill.evacuate, drill.check, drill.fault, ...)
    "mcctl.sim.plugin",  # the simulated Azure resource providers
    "mcctl.cli.plugin",  # the command groups
)

# hook name -> the Registry method its `register` callback is
HOOKS = {
    "register_step_kinds": "add_step_kind",
    "register_safety_rules": "add_rule",
    "register_gates": "add_gate",
    "register_health_signals": "add_health_signal",
    "register_sim_providers": "add_sim_provider",
    "register_estate_sections": "add_estate_section",
    "register_commands": "add_command",
}


@dataclass(frozen=True)
class LoadedPlugin:
    name: str
    version: str | None
    builtin: bool
    registered: dict[str, list[str]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "builtin": self.builtin, "registered": self.registered}


@dataclass
class Loaded:
    registry: Registry
    plugins: list[LoadedPlugin]
    manager: pluggy.PluginManager


def plugin_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager(ENTRY_POINT_GROUP)
    pm.add_hookspecs(hookspecs)
    return pm


def wanted_names(env: str | None) -> set[str] | None:
    """MCCTL_PLUGINS as a set of names; None: every installed plugin."""
    if env is None:
        return None
    return {name.strip() for name in env.split(",") if name.strip()}


# The built-in plugins that register commands: all that building the CLI (and `--help`) imports of
# mcctl's own, so a run pays for the engine's modules only when it uses them.
COMMAND_PLUGINS = ("mcctl.cli.plugin",)


def build_registry(
    default_plugins: Iterable[str | object] = DEFAULT_PLUGINS,
    *,
    extra: Iterable[object] = (),
    entry_points: bool = True,
    hooks: Iterable[str] | None = None,
) -> Loaded:
    """A fresh registry: `default_plugins` (module names or objects), then `extra` plugin objects,
    then the installed entry points allowed by MCCTL_PLUGINS. `hooks`: only these of the built-ins
    (default: all). Another plugin always runs every hook, so one that fails to register anything
    is skipped whole — its commands too, even when only the CLI's commands are being built."""
    wanted_hooks = tuple(hooks) if hooks is not None else tuple(HOOKS)
    pm = plugin_manager()
    registry = Registry()
    loaded: list[LoadedPlugin] = []
    for plugin in default_plugins:
        name = plugin if isinstance(plugin, str) else _name_of(plugin)
        obj = _import(name) if isinstance(plugin, str) else plugin
        if obj is not None:
            _add(pm, registry, loaded, obj, name, version=None, builtin=True, hooks=wanted_hooks)
    for plugin in extra:
        _add(pm, registry, loaded, plugin, _name_of(plugin), version=None, builtin=False)
    wanted = wanted_names(os.environ.get(PLUGINS_ENV))
    if entry_points and wanted != set():  # (MCCTL_PLUGINS= : none, so no need to look: ~25 ms)
        import importlib.metadata

        for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            dist = getattr(ep, "dist", None)
            dist_name = getattr(dist, "name", None)
            if wanted is not None and ep.name not in wanted and dist_name not in wanted:
                continue
            try:
                obj = ep.load()
            except Exception as exc:  # (any error in someone else's module)
                _warn(ep.name, f"failed to import: {type(exc).__name__}: {exc}")
                continue
            version = getattr(dist, "version", None)
            _add(pm, registry, loaded, obj, ep.name, version=version, builtin=False)
    return Loaded(registry, loaded, pm)


@cache
def loaded() -> Loaded:
    """The process's plugins and registry, built on first use."""
    return build_registry()


def registry() -> Registry:
    return loaded().registry


def forget() -> None:
    """Load the plugins afresh on next use (tests that install or remove plugins)."""
    loaded.cache_clear()
    commands.cache_clear()
    _warned.clear()


@cache
def commands() -> Registry:
    """Only what the CLI is built from: the command-registering built-ins and the installed plugins'
    commands. The full registry (step kinds, rules, ...) is built on first use, not for `--help`."""
    return build_registry(COMMAND_PLUGINS, hooks=("register_commands",)).registry


def _add(
    pm: pluggy.PluginManager,
    registry: Registry,
    loaded: list[LoadedPlugin],
    plugin: object,
    name: str,
    *,
    version: str | None,
    builtin: bool,
    hooks: Iterable[str] = tuple(HOOKS),
) -> None:
    """Register `plugin` and merge what it registers through `hooks`, all or nothing."""
    try:
        pm.register(plugin, name=name)
    except Exception as exc:  # (a bad hookimpl signature, a name taken twice)
        _warn(name, f"failed to load: {type(exc).__name__}: {exc}")
        return
    own = Registry()
    try:
        for hook, method in HOOKS.items():
            if hook not in hooks:
                continue
            for impl in getattr(pm.hook, hook).get_hookimpls():
                if impl.plugin is plugin:
                    impl.function(register=getattr(own, method))
        registry.merge(own)
    except Exception as exc:  # (any error in someone else's hook)
        pm.unregister(plugin)
        _warn(name, f"failed to register: {type(exc).__name__}: {exc}")
        return
    registered = {category: names for category, names in own.names().items() if names}
    loaded.append(LoadedPlugin(name, version, builtin, registered))


def _import(name: str) -> object | None:
    try:
        return importlib.import_module(name)
    except Exception as exc:
        _warn(name, f"failed to import: {type(exc).__name__}: {exc}")
        return None


def _name_of(plugin: object) -> str:
    return str(getattr(plugin, "__name__", None) or type(plugin).__name__)


_warned: set[tuple[str, str]] = set()  # the CLI's commands and the full registry load plugins twice


def _warn(name: str, message: str) -> None:
    first = message.splitlines()[0] if message else ""
    if (name, first) in _warned:
        return
    _warned.add((name, first))
    sys.stderr.write(f"mcctl: warning: plugin '{name}' skipped: {first}\n")
