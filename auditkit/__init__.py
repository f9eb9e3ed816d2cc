"""auditkit: an audit workbench for Skills Bootcamp funding claims."""

from auditkit.readers.ilr import ILRData, read_ilr

__all__ = ["ILRData", "read_ilr"]
__version__ = "0.1.0"
