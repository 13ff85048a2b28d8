"""The estate file's `plugins.appconfig` section.

```yaml
plugins:
  appconfig:
    store: appcs-mc-demo          # the configuration store's name
    resource_group: rg-mc-global
    subscription: 6a1d...         # optional: the estate's subscription
    stamps: [weu-1, neu-1]        # optional: the stamps that depend on it (default: every stamp)
    impact: degraded              # degraded | unhealthy: what a failed or missing store does to them
```

`parse` is the section parser registered through `register_estate_sections`: its pydantic errors are
reported by the loader as `plugins.appconfig.<field>: ...`, exit 2. A stamp named under `stamps` that
the estate does not have cannot be told here (the parser sees its section only); `unknown_stamps`
says which, and the command and the signal report them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from mcctl_appconfig import SECTION

if TYPE_CHECKING:
    from mcctl.domain.estate import Estate

# Azure's rules for a configuration store's name (5 to 50 letters, digits, '-' and '_').
STORE_NAME = re.compile(r"^[A-Za-z0-9_-]{5,50}$")


class Impact(StrEnum):
    DEGRADED = "degraded"
    UNHEALTHY = "unhealthy"


@dataclass(frozen=True)
class AppConfigSettings:
    store: str
    resource_group: str
    subscription: str | None = None  # None: the estate's (after any --subscription override)
    stamps: tuple[str, ...] = ()  # empty: every stamp depends on the store
    impact: Impact = Impact.DEGRADED

    def serves(self, stamp: str) -> bool:
        return not self.stamps or stamp in self.stamps

    def subscription_in(self, estate: Estate) -> str:
        return self.subscription or estate.subscription

    def dependents(self, estate: Estate) -> tuple[str, ...]:
        """The estate's stamps that depend on the store, in estate order."""
        return tuple(s.name for s in estate.stamps if self.serves(s.name))

    def unknown_stamps(self, estate: Estate) -> tuple[str, ...]:
        known = {s.name for s in estate.stamps}
        return tuple(name for name in self.stamps if name not in known)


def parse(raw: Any) -> AppConfigSettings:
    """The section's settings; raises pydantic.ValidationError (the loader names the field)."""
    from pydantic import BaseModel, ConfigDict, Field, field_validator

    class Section(BaseModel):
        model_config = ConfigDict(extra="forbid")

        store: str = Field(pattern=STORE_NAME.pattern)
        resource_group: str = Field(min_length=1, max_length=90, pattern=r"^[-\w.()]*[-\w()]$")
        subscription: str | None = None
        stamps: list[str] | None = Field(default=None, min_length=1)
        impact: Impact = Impact.DEGRADED

        @field_validator("subscription")
        @classmethod
        def _guid(cls, value: str | None) -> str | None:
            from mcctl.config.schema import ZERO_GUID, is_subscription_id

            if value is not None and not is_subscription_id(value):
                raise ValueError(f"not a subscription id (expected a GUID like {ZERO_GUID})")
            return value

        @field_validator("stamps")
        @classmethod
        def _distinct(cls, value: list[str] | None) -> list[str] | None:
            if value is not None:
                repeated = sorted({name for name in value if value.count(name) > 1})
                if repeated:
                    raise ValueError(f"stamp named twice: {', '.join(repeated)}")
            return value

    section = Section.model_validate(raw)
    return AppConfigSettings(
        store=section.store,
        resource_group=section.resource_group,
        subscription=section.subscription,
        stamps=tuple(section.stamps or ()),
        impact=section.impact,
    )


def settings_of(estate: Estate) -> AppConfigSettings | None:
    """The estate's App Configuration settings; None when its file has no `plugins.appconfig`.

    A caller that loaded the estate without the plugins' parsers keeps the section as read (a
    mapping): it is parsed here, so the simulator seeds the same store either way."""
    found = estate.plugins.get(SECTION)
    if found is None or isinstance(found, AppConfigSettings):
        return found
    return parse(found)
