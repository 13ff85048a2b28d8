"""Change plans: what a mutation *will* do, as ordered steps, built before anything changes.

A step names the resource, the change from → to, how long it should take, and which parallel
group it runs in (steps sharing a group run together; groups run in order). Each step kind knows
how it moves a snapshot (for the safety rules, through a projector) and what its inverse is (for rollback).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from mcctl.domain.snapshot import EstateSnapshot

# The `after` key of a step that changes no value of its own (a drill's check, hold, evacuate...): its
# `change` is the phrase it holds.
ACTION = "action"

# How one step moves a snapshot (the step kinds own theirs: mcctl.ops.registry.StepKind.project).
Projector = Callable[["Step", EstateSnapshot], EstateSnapshot]


@dataclass(frozen=True)
class Step:
    kind: str  # a registered step kind, e.g. "scale_plan"
    target: str  # what it changes, in words an operator recognises ("stamp weu-1 plan asp-mc-weu-1")
    resource_id: str
    before: dict[str, Any]
    after: dict[str, Any]
    params: dict[str, Any] = field(default_factory=dict)  # what the executor needs (stamp name, ...)
    expected_seconds: float = 0.0
    group: int = 0

    @property
    def change(self) -> str:
        if not self.before and list(self.after) == [ACTION]:
            return str(self.after[ACTION])  # a step that changes no value of its own: what it does
        keys = list(dict.fromkeys([*self.before, *self.after]))
        return ", ".join(f"{k}: {_show(self.before.get(k))} → {_show(self.after.get(k))}" for k in keys)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "target": self.target,
            "resource_id": self.resource_id,
            "before": self.before,
            "after": self.after,
            "params": self.params,
            "expected_seconds": self.expected_seconds,
            "group": self.group,
            "change": self.change,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Step:
        fields = {k: data[k] for k in ("kind", "target", "resource_id", "before", "after", "params")}
        return cls(**fields, expected_seconds=data.get("expected_seconds", 0.0), group=data.get("group", 0))

    def inverse(self) -> Step:
        """The step that undoes this one: before and after swapped, and the target's trailing
        `(label)` — a planner's words for what this step does, e.g. `-50% of weight` — turned into
        `(undo label)`, so a rollback's rows never claim the forward step's effect (undoing an
        undo gives the label back)."""
        return replace(self, target=_undo_target(self.target), before=self.after, after=self.before)


UNDO = "undo "


def _undo_target(target: str) -> str:
    head, opened, label = target.rpartition(" (")
    if not opened or not label.endswith(")") or "(" in label[:-1] or ")" in label[:-1]:
        return target  # no label of its own (or not one this can read): the target says no effect
    label = label[:-1]
    return f"{head} ({label.removeprefix(UNDO) if label.startswith(UNDO) else UNDO + label})"


def _show(value: Any) -> str:
    return "-" if value is None else str(value)


ROLLBACK_PREFIX = "rollback:"  # a rollback's kind is this + the kind it reverses


class PlanKind(StrEnum):
    """The built-in plans' kinds, as journaled (a plugin's plans carry their own, plain strings).
    The spellings are a journal and JSON contract: old journals and runbooks match on them."""

    FRONTDOOR_DRAIN = "frontdoor-drain"
    FRONTDOOR_RESTORE = "frontdoor-restore"
    SQL_FAILOVER = "sql-failover"
    SCALE = "scale"
    REDIS_UNLINK = "redis_unlink"
    REDIS_RELINK = "redis_relink"
    SHIFT = "shift"  # blue-green: traffic moved between two stamp sets (mcctl.domain.shift)
    STAMP_ADD = "stamp-add"  # blue-green: a candidate's origin created (mcctl.domain.release)
    STAMP_RETIRE = "stamp-retire"  # blue-green: origin deleted, plan at its minimum, marked retired
    DRILL = "drill"  # resumed and rolled back by `mcctl drill resume|rollback` (its probes, approvals)


@dataclass(frozen=True)
class Plan:
    kind: str  # a PlanKind, a plugin's own kind, or ROLLBACK_PREFIX + either
    summary: str
    steps: tuple[Step, ...]
    data_loss: bool = False  # needs typed confirmation (forced failover, force-link, ...)
    confirm_name: str | None = None  # what must be typed to confirm a data-loss plan
    notes: tuple[str, ...] = ()  # warnings and context shown with the plan
    # Gradual plans: between groups wait `interval` seconds, then run the registered gate `gate`
    # (e.g. "health"). Kept in the plan so a resumed operation is gated exactly like the first run.
    gate: str | None = None
    interval: float = 0.0
    # Each region's share of edge traffic after each step group (mcctl.domain.traffic), when the
    # planner computed it: a preview for people, never used to apply or judge the plan.
    traffic: tuple[Mapping[str, float], ...] = ()

    @property
    def empty(self) -> bool:
        return not self.steps

    @property
    def groups(self) -> list[list[tuple[int, Step]]]:
        """Steps by parallel group, groups in order; each step with its index in the plan."""
        ordered: dict[int, list[tuple[int, Step]]] = {}
        for index, step in enumerate(self.steps):
            ordered.setdefault(step.group, []).append((index, step))
        return [ordered[g] for g in sorted(ordered)]

    @property
    def expected_seconds(self) -> float:
        # a gated plan also waits `interval` before each group after the first
        waits = self.interval * (len(self.groups) - 1) if self.gate is not None and self.groups else 0.0
        return sum(max(s.expected_seconds for _, s in group) for group in self.groups) + waits

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind,
            "summary": self.summary,
            "steps": [s.to_dict() for s in self.steps],
            "data_loss": self.data_loss,
            "confirm_name": self.confirm_name,
            "notes": list(self.notes),
            "expected_seconds": self.expected_seconds,
            "gate": self.gate,
            "interval": self.interval,
        }
        if self.traffic:  # only then: plans without a preview keep their JSON and journal lines as they were
            data["traffic"] = [dict(shares) for shares in self.traffic]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        return cls(
            kind=data["kind"],
            summary=data["summary"],
            steps=tuple(Step.from_dict(s) for s in data["steps"]),
            data_loss=data.get("data_loss", False),
            confirm_name=data.get("confirm_name"),
            notes=tuple(data.get("notes", ())),
            gate=data.get("gate"),
            interval=float(data.get("interval") or 0.0),
            traffic=tuple(dict(shares) for shares in data.get("traffic") or ()),
        )

    def inverse(self, applied: list[int], summary: str) -> Plan:
        """Undo the applied steps, last group first; steps that ran in parallel are undone in parallel.
        The rollback carries no traffic preview (its maker may compute one: `traffic.with_traffic`)."""
        done = set(applied)
        undo = [i for i in reversed(self.execution_order) if i in done]
        last = max((self.steps[i].group for i in undo), default=0)
        steps = tuple(replace(self.steps[i].inverse(), group=last - self.steps[i].group) for i in undo)
        return Plan(kind=f"{ROLLBACK_PREFIX}{self.kind}", summary=summary, steps=steps, notes=())

    @property
    def execution_order(self) -> list[int]:
        """Step indexes in the order they run: group by group, by index within a group."""
        return [index for group in self.groups for index, _ in group]

    def project(self, snapshot: EstateSnapshot, projector: Projector | None = None) -> EstateSnapshot:
        """The snapshot as it will be once every step is applied (in the order they run).

        `projector` is how each step moves it: ops pass their registry's (`Registry.project_step`),
        which knows every registered kind; without one only the built-in kinds move it."""
        for index in self.execution_order:
            snapshot = project_step(self.steps[index], snapshot, projector)
        return snapshot


def project_step(step: Step, snapshot: EstateSnapshot, projector: Projector | None = None) -> EstateSnapshot:
    """How `step` moves the snapshot, by `projector` (the registry's; default: the built-in kinds)."""
    from mcctl.domain.projections import project_builtin

    return (projector or project_builtin)(step, snapshot)
