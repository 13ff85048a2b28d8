"""The built-in plugin for mcctl's own commands, registered like any plugin's (`register_commands`).

The order is the order of `mcctl --help`. Only Typer-level modules are imported here: `--help` runs
this hook, and must import no azure module.
"""

from __future__ import annotations

from collections.abc import Callable

from mcctl.hookspecs import hookimpl


@hookimpl
def register_commands(register: Callable[..., None]) -> None:
    from mcctl.cli import completion
    from mcctl.cli.commands import (
        drill,
        evacuate,
        frontdoor,
        health,
        journal,
        lock,
        plugins,
        recovery,
        redis,
        scale,
        shift,
        sim,
        sql,
        stamps,
        status,
        wait,
    )

    register("status", status.status, group=False)
    register("stamps", stamps.app)
    register("frontdoor", frontdoor.app)
    register("health", health.health, group=False)
    register("wait", wait.app)
    register("sql", sql.app)
    register("scale", scale.scale, group=False)
    register("shift", shift.shift, group=False)
    register("evacuate", evacuate.evacuate, group=False)
    register("reinstate", evacuate.reinstate, group=False)
    register("drill", drill.app)
    register("journal", journal.app)
    register("resume", recovery.resume, group=False)
    register("rollback", recovery.rollback, group=False)
    register("lock", lock.app)
    register("redis", redis.app)
    register("sim", sim.app)
    register("plugins", plugins.app)
    register("completion", completion.app)
    # The app is built without typer's own completion options: these answer a shell's TAB.
    completion.install_shell_classes()
