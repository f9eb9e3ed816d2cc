"""Starting JupyterLab and the Voila app on a case: the notebooks are copied from the package into the case's
``.auditkit/notebooks/`` (once: edits there are kept), and the case reaches them as ``AUDITKIT_CASE``."""

from __future__ import annotations

import os
import shutil
import sys
from importlib import resources
from pathlib import Path

#: The notebook the Voila app serves.
APP_NOTEBOOK = "app.ipynb"


def packaged_notebooks() -> list[Path]:
    """The notebooks shipped in the package, by name."""
    folder = Path(str(resources.files("auditkit").joinpath("notebooks")))
    return sorted(folder.glob("*.ipynb"))


def case_notebooks(case: Path) -> Path:
    """The case's notebook folder (``<case>/.auditkit/notebooks``, beside the workpapers), with any packaged
    notebook it lacks copied in. A file as the case puts the folder beside the file."""
    base = case if case.is_dir() else case.parent
    folder = base / ".auditkit" / "notebooks"
    folder.mkdir(parents=True, exist_ok=True)
    for notebook in packaged_notebooks():
        if not (folder / notebook.name).exists():
            shutil.copy2(notebook, folder / notebook.name)
    return folder


def case_environment(case: Path) -> dict[str, str]:
    """The environment the notebooks run in: this one, with ``AUDITKIT_CASE`` the case's absolute path."""
    return {**os.environ, "AUDITKIT_CASE": str(case.resolve())}


def lab_command(folder: Path) -> list[str]:
    return [sys.executable, "-m", "jupyter", "lab", f"--notebook-dir={folder}"]


def voila_command(folder: Path, port: int, *, open_browser: bool = False) -> list[str]:
    """Voila serving the app notebook on localhost only."""
    command = [sys.executable, "-m", "voila", str(folder / APP_NOTEBOOK), f"--port={port}", "--Voila.ip=127.0.0.1",
               "--theme=light", "--show_tracebacks=False"]
    return command if open_browser else [*command, "--no-browser"]
