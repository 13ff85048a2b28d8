"""Where mcctl keeps local state: journals, local locks, the simulator's state files.

One place, so ops and adapters never reach into the simulator for a path.
"""

from __future__ import annotations

import os
from pathlib import Path


def state_dir() -> Path:
    from platformdirs import user_state_dir

    return Path(os.environ.get("MCCTL_STATE_DIR") or user_state_dir("mcctl"))


def sim_state_path(estate_name: str) -> Path:
    return state_dir() / "sim" / f"{estate_name}.json"
