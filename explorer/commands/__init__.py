"""Headless subcommands: each module defines NAME, HELP, add_arguments(parser), run(args).

Modules here are found automatically; they must import heavy libraries (torch,
sklearn) inside `run`, never at module level, to keep the window's start fast.
"""

from __future__ import annotations

import importlib
import pkgutil


def load_commands() -> list:
    modules = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            modules.append(importlib.import_module(f"{__name__}.{info.name}"))
    return modules
