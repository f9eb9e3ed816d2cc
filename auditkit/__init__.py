"""auditkit: an audit workbench for Skills Bootcamp funding claims."""

from auditkit.case import Case, open_case
from auditkit.readers.ilr import ILRData, read_ilr

__all__ = ["Case", "ILRData", "open_case", "read_ilr"]
__version__ = "0.1.0"
