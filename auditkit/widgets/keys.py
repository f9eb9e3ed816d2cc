"""Keyboard navigation for the apps: ``n`` / → for the next learner, ``p`` / ← for the previous one (an anywidget:
the browser reports the keys, Python acts on them; keys typed into a text field are left alone)."""

from __future__ import annotations

import anywidget
import traitlets

_ESM = """
function render({ model, el }) {
  const keys = { ArrowRight: "next", n: "next", ArrowLeft: "previous", p: "previous" };
  const handler = (event) => {
    const tag = event.target && event.target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    const action = keys[event.key];
    if (!action) { return; }
    model.set("action", action);
    model.set("presses", model.get("presses") + 1);
    model.save_changes();
  };
  document.addEventListener("keydown", handler);
  el.classList.add("auditkit-keys");
  el.innerHTML = "<small>Keys: <kbd>n</kbd> or <kbd>&rarr;</kbd> next, " +
    "<kbd>p</kbd> or <kbd>&larr;</kbd> previous</small>";
  return () => document.removeEventListener("keydown", handler);
}
export default { render };
"""


class KeyNav(anywidget.AnyWidget):
    """``presses`` counts the navigation keys pressed; ``action`` is the last one (``next`` or ``previous``)."""

    _esm = _ESM
    action = traitlets.Unicode("").tag(sync=True)
    presses = traitlets.Int(0).tag(sync=True)
