"""``python -m auditkit.cli``: the command line, as ``auditkit``."""

from auditkit.cli import main

main()
