"""mcctl-appconfig: Azure App Configuration as a shared dependency of the estate.

The estate file's `plugins.appconfig` section names the configuration store (`settings.py`); the
health signal `appconfig` judges it from the store's and its replicas' provisioning states
(`verdict.py`, read by `reading.py`) for every stamp that depends on it; `mcctl appconfig status`
shows it (`cli.py`); the simulator plays `Microsoft.AppConfiguration` (`simulated.py`). The hooks are
in `plugin.py`, the entry point (`[project.entry-points.mcctl] appconfig`); every module that
touches the SDK, pydantic, Typer or the simulator is imported inside a function, so `mcctl --help`
stays lean.
"""

from __future__ import annotations

SECTION = "appconfig"  # the estate file's `plugins.<SECTION>`, the health signal's and the dependency's name
