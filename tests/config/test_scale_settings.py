"""The estate file's settings for scale: `health.concurrency` and `discover:`. A value YAML reads
as something else (`true` is not 1) and a discover tag that would collide with the tags mcctl writes
are one line each naming the field, exit 2."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from mcctl.config.loader import EstateSource, demo_source, load_estate
from mcctl.errors import EstateFileError, ExitCode
from mcctl.sim.generate import estate_yaml


def _problems(extra: dict[str, Any]) -> list[str]:
    data = yaml.safe_load(demo_source().text) | extra
    with pytest.raises(EstateFileError) as info:
        load_estate(EstateSource("estate.yaml", yaml.safe_dump(data)))
    assert info.value.exit_code == ExitCode.USAGE
    return info.value.problems


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"health": {"concurrency": True}}, "health.concurrency: expected a whole number"),
        ({"discover": {"tag": "team=a", "page_size": True}}, "discover.page_size: expected a whole number"),
        ({"discover": {"tag": "team=a", "page_size": "7"}}, "discover.page_size: expected a whole number"),
        ({"discover": {"tag": "mcctl-lifecycle=active"}}, "discover.tag: 'mcctl-lifecycle' is a tag mcctl writes"),
        ({"discover": {"tag": "MCCTL-STAMP=x"}}, "discover.tag: 'MCCTL-STAMP' is a tag mcctl writes"),
        ({"discover": {"tag": "team=a", "stamp_tag": "Team"}}, "discover.stamp_tag: 'Team' is the estate tag's name"),
        ({"discover": {"tag": "team=a", "stamp_tag": "mcctl-color"}}, "discover.stamp_tag: 'mcctl-color' is a release"),
    ],
)
def test_a_bad_scale_setting_is_one_line_naming_the_field(extra: dict[str, Any], field: str) -> None:
    problems = _problems(extra)
    assert len(problems) == 1 and problems[0].startswith(field), problems


def test_the_simulated_twin_is_not_reseeded_when_only_discover_changes() -> None:
    """How stamps are found is not what Azure holds: a new page size must not wipe deployed stamps."""
    base = estate_yaml("twin", 2, 2)
    one = EstateSource("e.yaml", base + 'discover: {tag: "team=a", page_size: 2}\n')
    two = EstateSource("e.yaml", base + 'discover: {tag: "team=a", page_size: 1}\n')
    other = EstateSource("e.yaml", base.replace("instances: 3", "instances: 4") + 'discover: {tag: "team=a"}\n')
    assert one.fingerprint != two.fingerprint and one.seed_fingerprint == two.seed_fingerprint
    assert other.seed_fingerprint != one.seed_fingerprint
    assert EstateSource("e.yaml", base).seed_fingerprint == EstateSource("e.yaml", base).fingerprint
