"""The one registry: step kinds, safety rules, gates, health signals, simulated providers, commands.

It is filled by plugins through the hooks of `mcctl.hookspecs` (the built-in jobs are plugins too),
never by importing a module: `mcctl.plugins.build_registry` makes one, `current_registry()` is the
process's (built once, on first use). Code that is handed a Registry (a test, an ApplyContext) uses
that one instead, so nothing needs patching globals.

The simulated providers and the commands are kept as opaque values (a factory, a Typer app): ops
must not import the simulator or Typer, it only holds them for the composition root.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # (the CLI's commands are built from a Registry: `--help` must not load the rules)
    from mcctl.adapters.clients import AzureSession
    from mcctl.adapters.lro import WaitOptions
    from mcctl.domain.estate import Estate, Stamp
    from mcctl.domain.health import HealthReadings, Signal
    from mcctl.domain.plan import Step
    from mcctl.domain.safety import RuleRegistry, SafetyRule
    from mcctl.domain.snapshot import EstateSnapshot


class StepNature(StrEnum):
    """How the engine treats a kind's steps (a drill's steps are of all three natures)."""

    # Changes one resource from `before` to `after`: skipped when already there, read back after it
    # ran, undone by its inverse, in flight for later plans until seen landed.
    CHANGE = "change"
    # Changes nothing itself (a check, a wait, an approval): runs every time it is reached (also on
    # resume), succeeds when `apply` returns, has nothing to undo and is never in flight.
    ACTION = "action"
    # Makes its changes as child operations of its own, journaled (and verified, resumed, rolled back)
    # like every other operation: the engine neither reads it back nor counts it in flight itself.
    DELEGATE = "delegate"


@dataclass(frozen=True)
class StepKind:
    """Everything mcctl knows about one kind of plan step.

    `read` returns the live values of the keys a step changes, so the executor can skip a step that
    is already done (idempotence, resume), check a plan is still current once the lease is held, and
    verify a step after it ran. `project` moves a snapshot as the step would (what the safety rules
    judge); None: the kind changes nothing the rules look at.
    """

    name: str
    apply: Callable[[AzureSession, Estate, Step, WaitOptions], None]
    read: Callable[[AzureSession, Estate, Step], dict[str, Any]]
    project: Callable[[Step, EstateSnapshot], EstateSnapshot] | None = None
    # False when the before/after swap is not a safe undo (a Redis unlink: the way back discards
    # data); `rollback` then refuses before journaling anything and `undo_hint` says what to run.
    reversible: bool = True
    undo_hint: Callable[[Step], str] | None = None
    # Whether an Azure operation on the step's resource is still running (a provisioning state that
    # is not terminal). Lets rollback/resume wait for a change that a killed or --no-wait run left in
    # flight, and lets the safety rules count it as done until it settles. None: cannot be told.
    pending: Callable[[AzureSession, Estate, Step], bool] | None = None
    # The step as it would be planned now: what its kind's safety rules judge that was observed when
    # it was planned (a SQL failover's replication links), read again, for a step whose plan was
    # made earlier (resume, rollback: `mcctl.ops.preflight`). None: its rules need nothing observed.
    observe: Callable[[AzureSession, Estate, Step], Step] | None = None
    nature: StepNature = StepNature.CHANGE
    # A label of the state the plan's other steps make (a stamp's lifecycle tag): set after them,
    # so a rollback undoes it after them too — a run cut short never leaves a tag that is not true.
    undo_last: bool = False

    def project_onto(self, step: Step, snapshot: EstateSnapshot) -> EstateSnapshot:
        return self.project(step, snapshot) if self.project is not None else snapshot

    def inverse(self, step: Step) -> Step:
        """The step that undoes `step`; refused for an irreversible kind, with what to run instead."""
        if not self.reversible:
            hint = self.undo_hint(step) if self.undo_hint is not None else None
            raise ValueError(f"a {self.name} step cannot be undone by swapping it" + (f": {hint}" if hint else ""))
        return step.inverse()


# Gates of gradual plans, by the name a plan carries: build the `between_groups` callback.
# (session, estate, the whole plan, the snapshot before it, a note sink) -> callback(group done)
GateFactory = Callable[..., Callable[[int], None]]


@dataclass(frozen=True)
class HealthSignal:
    """One signal of `mcctl health`: what it says of each stamp, which joins the stamp's verdict.

    `judge(readings, stamp)` returns the stamp's signals (`mcctl.domain.health.Signal`, usually one
    named like this object; none when it does not apply to that stamp) from what `assess` read and
    probed (`mcctl.domain.health.HealthReadings`: the probes, the inventory, SQL, the dependencies).
    `read(session, estate, stamps)`, if given, is the signal's own read: it runs with assess's ARM
    reads, under their wall-clock limit, and its value reaches the judge as `readings.extra[name]`
    (None when it failed: an mcctl error is listed in the result's errors). A signal's weight is
    `health.weights[name]` (1 when not set). Signals are judged in the order they were registered.
    """

    name: str
    description: str
    judge: Callable[[HealthReadings, Stamp], Sequence[Signal]]
    read: Callable[[AzureSession, Estate, tuple[Stamp, ...]], Any] | None = None


@dataclass(frozen=True)
class Command:
    name: str
    target: Any  # a Typer app (group) or a command function
    group: bool = True


CATEGORIES = ("step_kinds", "safety_rules", "gates", "health_signals", "sim_providers", "estate_sections", "commands")
# The Registry's attribute for each category (`rules` is listed as safety_rules).
_TABLES = ("step_kinds", "rules", "gates", "health_signals", "sim_providers", "estate_sections", "commands")


class Registry:
    def __init__(self) -> None:
        self.step_kinds: dict[str, StepKind] = {}
        self.rules: dict[str, SafetyRule] = {}
        self.gates: dict[str, GateFactory] = {}
        self.health_signals: dict[str, HealthSignal] = {}
        self.sim_providers: dict[str, Callable[[], Any]] = {}
        self.estate_sections: dict[str, Callable[[Any], Any]] = {}  # plugins.<name> -> its parser
        self.commands: dict[str, Command] = {}

    # -- registering (the callbacks handed to the hooks) -------------------------------------------
    def add_step_kind(self, kind: StepKind) -> None:
        _claim(self.step_kinds, kind.name, kind, "step kind")

    def add_rule(self, rule: SafetyRule) -> None:
        """The built-in rules come through the same hook (mcctl.ops.steps registers them first)."""
        _claim(self.rules, rule.name, rule, "safety rule")

    def add_gate(self, name: str, factory: GateFactory) -> None:
        _claim(self.gates, name, factory, "gate")

    def add_health_signal(self, signal: HealthSignal) -> None:
        _claim(self.health_signals, signal.name, signal, "health signal")

    def add_sim_provider(self, name: str, factory: Callable[[], Any]) -> None:
        _claim(self.sim_providers, name, factory, "simulated provider")

    def add_estate_section(self, name: str, parse: Callable[[Any], Any]) -> None:
        _claim(self.estate_sections, name, parse, "estate file section")

    def add_command(self, name: str, target: Any, group: bool = True) -> None:
        _claim(self.commands, name, Command(name, target, group), "command")

    def merge(self, other: Registry) -> None:
        """Add everything `other` holds, or nothing if one name is taken (a plugin is all or nothing)."""
        for category in _TABLES:
            mine, theirs = getattr(self, category), getattr(other, category)
            taken = [name for name in theirs if name in mine and mine[name] is not theirs[name]]
            if taken:
                raise ValueError(f"{category.replace('_', ' ')[:-1]} '{taken[0]}' is already registered")
        for category in _TABLES:
            getattr(self, category).update(getattr(other, category))

    def names(self) -> dict[str, list[str]]:
        """What is registered, by category (what `mcctl plugins list` shows per plugin)."""
        values = tuple(getattr(self, table) for table in _TABLES)
        return {category: list(found) for category, found in zip(CATEGORIES, values, strict=True)}

    # -- lookups ------------------------------------------------------------------------------------
    def executor(self, step: Step) -> StepKind:
        try:
            return self.step_kinds[step.kind]
        except KeyError:
            raise ValueError(f"no executor for step kind '{step.kind}'") from None

    def gate(self, name: str) -> GateFactory:
        try:
            return self.gates[name]
        except KeyError:
            raise ValueError(f"no gate named '{name}'") from None

    def project_step(self, step: Step, snapshot: EstateSnapshot) -> EstateSnapshot:
        """How `step` moves the snapshot; a kind nobody registered leaves it unchanged."""
        kind = self.step_kinds.get(step.kind)
        return kind.project_onto(step, snapshot) if kind is not None else snapshot

    def rule_registry(self) -> RuleRegistry:
        """Every registered rule, in registration order (the built-ins first)."""
        from mcctl.domain.safety import RuleRegistry

        return RuleRegistry(tuple(self.rules.values()))

    def new_sim_providers(self) -> list[Any]:
        return [factory() for factory in self.sim_providers.values()]


def _claim(table: dict[str, Any], name: str, value: Any, what: str) -> None:
    if name in table and table[name] is not value:
        raise ValueError(f"{what} '{name}' is already registered")
    table[name] = value


def current_registry() -> Registry:
    """The process's registry: the default plugins and the installed ones, built on first use."""
    from mcctl.plugins import registry

    return registry()


def executor(step: Step, registry: Registry | None = None) -> StepKind:
    return (registry or current_registry()).executor(step)
