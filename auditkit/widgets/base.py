"""What every auditkit app shares: it owns its widgets, and every callback's output and errors go to a log the
user can see (an exception in an ipywidgets callback otherwise vanishes)."""

from __future__ import annotations

import functools
import html
import traceback
from collections.abc import Callable
from typing import TypeVar

import ipywidgets as w

F = TypeVar("F", bound=Callable[..., object])


class App:
    """Base of the apps: ``self.log`` (an Output shown under the app), ``self.status`` (one line), and
    :meth:`guarded` to wrap callbacks. Subclasses build ``self.view`` (the widget to display)."""

    def __init__(self) -> None:
        self.log = w.Output(layout=w.Layout(max_height="160px", overflow="auto", border="1px solid #ddd"))
        self.status = w.HTML("")
        self.errors: list[str] = []
        self.view: w.Widget = w.VBox([])

    def guarded(self, callback: F) -> F:
        """``callback`` with its prints in the log and any exception shown there and in the status line."""
        @functools.wraps(callback)
        def run(*args: object, **kwargs: object) -> object:
            with self.log:
                try:
                    return callback(*args, **kwargs)
                except Exception as error:  # noqa: BLE001 - shown to the user, never lost
                    message = f"{type(error).__name__}: {error}"
                    self.errors.append(message)
                    self.status.value = f"<span style=\"color:#b2182b\">⚠ {html.escape(message)}</span>"
                    print(message)
                    print("".join(traceback.format_exception(error)[-3:]).rstrip())
                    return None
        return run  # type: ignore[return-value]

    def say(self, text: str) -> None:
        """Show ``text`` in the status line."""
        self.status.value = text

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.view)
