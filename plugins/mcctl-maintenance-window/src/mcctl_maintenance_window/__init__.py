"""mcctl-maintenance-window: refuse changes outside the estate's maintenance windows.

The plugin (`mcctl_maintenance_window.plugin`, entry point `maintenance-window` in the group `mcctl`)
registers the estate file section `plugins.maintenance-window`, the safety rule `maintenance-window`
and the command `mcctl maintenance status`.
"""
