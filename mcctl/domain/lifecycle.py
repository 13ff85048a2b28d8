"""A stamp's place in a blue-green release, as plan steps (pure).

The lifecycle lives in the `mcctl-lifecycle` tag of the stamp's web app (`TAG_LIFECYCLE`): a
pipeline sets `candidate` when it deploys a stamp, mcctl moves it on as a release goes (`stamps add`
leaves it candidate, a shift makes the new set active and the old one retiring, `stamps retire`
makes it retired). A `set_lifecycle` step is an ordinary journaled change: read back, skipped when
already there, undone by swapping before and after.
"""

from __future__ import annotations

from mcctl.domain.estate import TAG_LIFECYCLE, Lifecycle, Stamp
from mcctl.domain.plan import Step

SET_LIFECYCLE = "set_lifecycle"
TAG_UPDATE_SECONDS = 2.0  # a tag write is a synchronous ARM call


def lifecycle_step(stamp: Stamp, before: Lifecycle, after: Lifecycle, group: int = 0) -> Step:
    """Mark `stamp` `after` (its web app's lifecycle tag), from `before` as read when planned."""
    return Step(
        kind=SET_LIFECYCLE,
        target=f"stamp {stamp.name} lifecycle",
        resource_id=stamp.app_ref.id,
        before={"lifecycle": before.value},
        after={"lifecycle": after.value},
        params={"stamp": stamp.name, "tag": TAG_LIFECYCLE},
        expected_seconds=TAG_UPDATE_SECONDS,
        group=group,
    )
