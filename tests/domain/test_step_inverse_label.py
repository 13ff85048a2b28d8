"""Review defect 11: an inverse step's target describes what the inverse does, not the forward
step's effect (`(-50% of weight)` while raising the weight back)."""

from __future__ import annotations

import pytest

from mcctl.domain.plan import Plan, Step


def _step(target: str) -> Step:
    return Step("frontdoor_origin", target, "/o", {"weight": 1000}, {"weight": 500})


@pytest.mark.parametrize(
    ("target", "undone"),
    [
        ("stamp weu-2 origin origin-weu-2 (-50% of weight)", "stamp weu-2 origin origin-weu-2 (undo -50% of weight)"),
        ("stamp weu-2 origin origin-weu-2 (100%)", "stamp weu-2 origin origin-weu-2 (undo 100%)"),
        ("stamp weu-1 plan asp-mc-weu-1", "stamp weu-1 plan asp-mc-weu-1"),  # no label: nothing to turn
        ("stamp x (odd (nested))", "stamp x (odd (nested))"),  # not a label this can read: left as is
    ],
)
def test_the_inverse_target_undoes_the_label_and_undoing_twice_gives_it_back(target: str, undone: str) -> None:
    step = _step(target)
    inverse = step.inverse()
    assert inverse.target == undone and (inverse.before, inverse.after) == ({"weight": 500}, {"weight": 1000})
    assert inverse.inverse() == step


def test_a_rollback_plan_names_its_steps_as_undoing() -> None:
    plan = Plan("frontdoor-drain", "drain", (_step("stamp weu-2 origin origin-weu-2 (-50% of weight)"),))
    rollback = plan.inverse([0], summary="roll back")
    assert [s.target for s in rollback.steps] == ["stamp weu-2 origin origin-weu-2 (undo -50% of weight)"]
