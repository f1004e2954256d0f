"""explorer.core must import with every Qt binding made unimportable."""

import subprocess
import sys
import textwrap

from tests.conftest import ROOT

BLOCKER = textwrap.dedent(
    """
    import importlib.abc, pkgutil, sys

    BLOCKED = ("PySide6", "PyQt5", "PyQt6", "PySide2", "pyqtgraph", "superqt", "qtpy")

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"{name} is blocked: explorer.core must not use Qt")

    sys.meta_path.insert(0, Block())
    import explorer.core
    names = [m.name for m in pkgutil.walk_packages(explorer.core.__path__, "explorer.core.")]
    for name in names:
        __import__(name)
    print(len(names))
    """
)


def test_every_core_module_imports_without_qt():
    result = subprocess.run([sys.executable, "-c", BLOCKER], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) >= 5  # the walk really found the modules
