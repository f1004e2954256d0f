"""The app's package data, `explorer.resources` in the wheel: tours, samples, desktop files.

Read through importlib.resources (explorer.core.io.samples.resources_folder), never by a path
relative to the checkout."""
