"""Running part of an audit in a child process under a memory limit (the shared-ULN and shared-employer tests)."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def vm_size() -> int:
    """This process's address space in bytes (VmSize)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmSize in /proc/self/status")


def limit_memory(extra_mb: int) -> None:
    """Let this process grow at most ``extra_mb`` MB beyond its address space now (no limit for 0)."""
    if extra_mb:
        limit = vm_size() + extra_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def run_child(module: str, folder: Path, learners: int, limit_mb: int) -> dict[str, str]:
    """Run ``python -m module FOLDER N LIMIT_MB`` and give the ``key=value`` counts it prints; fails the test when
    the child fails or runs out of memory."""
    run = subprocess.run([sys.executable, "-m", module, str(folder), str(learners), str(limit_mb)],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, f"rc {run.returncode}\n{run.stdout}\n{run.stderr[-3000:]}"
    assert "MemoryError" not in run.stdout
    return dict(part.split("=") for part in run.stdout.split())
