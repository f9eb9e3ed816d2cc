"""Walk a given folder without leaving it, and check paths named inside inputs.

Nothing outside the folders given is opened: a symbolic link is followed only when its target is inside the
folder being walked; a link out of it, a broken link and a link loop are each returned as :class:`Skipped`
(with the reason), for the caller to report. Links to folders are not descended into (a link to a folder inside
the walked folder reaches files that the walk finds by their own path anyway).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Skipped", "inside", "unsafe_name", "walk"]


@dataclass(frozen=True)
class Skipped:
    """A path the walk did not follow, and why (in words that complete "<path> ...")."""

    path: Path
    reason: str


def inside(path: Path, root: Path) -> bool:
    """Whether ``path`` (resolved, symbolic links followed) is ``root`` (resolved) or under it."""
    try:
        return path.resolve(strict=True).is_relative_to(root.resolve())
    except (OSError, RuntimeError, ValueError):
        return False


def _link_problem(path: Path, root: Path) -> tuple[str | None, bool]:
    """(why the link ``path`` is not followed or None, whether its target is a folder)."""
    try:
        target = path.resolve(strict=True)
    except FileNotFoundError:
        return f"is a broken symbolic link (to {os.readlink(path)}, which does not exist); not read", False
    except (RuntimeError, OSError) as exc:  # a loop: RuntimeError up to Python 3.12, OSError (ELOOP) after
        if "loop" in str(exc).lower() or getattr(exc, "errno", None) == 40:
            return "is a symbolic link loop; not read", False
        return f"is a symbolic link that cannot be followed ({exc}); not read", False
    if not target.is_relative_to(root):
        return (f"is a symbolic link to {os.readlink(path)}, outside the folder {root}; not followed "
                "(only files inside the folders given are read)"), False
    return None, target.is_dir()


def walk(root: Path) -> tuple[list[Path], list[Skipped]]:
    """Every file under ``root`` at any depth, in path order (as ``sorted(root.rglob("*"))`` would give them),
    and the symbolic links not followed. Files reached through a link inside ``root`` keep the link's path."""
    top = root.resolve()
    files: list[Path] = []
    skipped: list[Skipped] = []
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError as exc:
            skipped.append(Skipped(folder, f"is a folder that cannot be read ({exc.strerror or exc}); not read"))
            continue
        for entry in entries:
            path = Path(entry.path)
            if entry.is_symlink():
                problem, is_dir = _link_problem(path, top)
                if problem is not None:
                    skipped.append(Skipped(path, problem))
                elif not is_dir and path.is_file():
                    files.append(path)
            elif entry.is_dir(follow_symlinks=False):
                stack.append(path)
            elif entry.is_file(follow_symlinks=False):
                files.append(path)
    return sorted(files), sorted(skipped, key=lambda s: s.path)


_DRIVE = re.compile(r"^[A-Za-z]:")


def unsafe_name(name: str) -> str | None:
    """Why a file name written inside an input (a manifest's ``file`` column) may not be opened, or None.

    Names are relative to the folder they are looked for in: an absolute path (``/etc/passwd``, ``C:\\x``,
    ``\\\\server\\share``) or one with a ``..`` part could name a file outside it."""
    text = name.replace("\\", "/")
    if "\x00" in text:
        return "contains a NUL character"
    if text.startswith("/") or _DRIVE.match(text):
        return "is an absolute path"
    if ".." in text.split("/"):
        return "has a '..' part (it could name a file outside the folder)"
    return None
