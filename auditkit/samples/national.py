"""A generated national case: many providers, each with one 2024-25 return repeating the shipped samples'
learners (new references and ULNs), some ULNs shared with the previous provider so that the whole-dataset rules
(W5_M1_01, W5_M2_05, W5_COMP_03) and the cross-provider anomalies have work. For tests and benchmarks of the
national run (``auditkit national``); no evidence."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from auditkit.reference.uln import check_digit

_LEARNER = re.compile(rb"<Learner>.*?</Learner>\s*", re.DOTALL)
_REF = re.compile(rb"<LearnRefNumber>[^<]*</LearnRefNumber>")
_ULN = re.compile(rb"<ULN>(\d{10})</ULN>")
_UKPRN = re.compile(rb"<UKPRN>\d+</UKPRN>")
TEMPORARY_ULN = b"9999999999"
#: The first generated UKPRN (the k-th provider is FIRST_UKPRN + k).
FIRST_UKPRN = 10100000


def _uln(i: int) -> bytes:
    """A distinct ULN valid by check digit for learner ``i``."""
    n = 100_000_000 + i
    digit = check_digit(str(n))
    while digit is None:
        n += 500_000_000
        digit = check_digit(str(n))
    return b"%d%d" % (n, digit)


def _latest_returns(samples: Path) -> list[Path]:
    """The latest 2024-25 return of each sample provider."""
    latest: dict[str, Path] = {}
    for path in sorted(samples.rglob("ILR-*-2425-*.xml")):
        latest[path.name.split("-")[1]] = path
    if not latest:
        raise FileNotFoundError(f"no ILR-*-2425-*.xml files under {samples}")
    return list(latest.values())


def _contracts_toml(samples: Path, ukprns: list[int]) -> str:
    contracts = tomllib.loads((samples / "contracts.toml").read_text(encoding="utf-8"))["contract"]
    aims: dict[str, dict[str, Any]] = {}
    for contract in contracts:
        for aim in contract.get("aim", []):
            aims.setdefault(str(aim["lars"]), aim)
    first = contracts[0]
    lines = ["# Generated contracts (auditkit.samples.national): every sample aim for every provider.", ""]
    for k, ukprn in enumerate(ukprns):
        lines += ["[[contract]]", f"ukprn = {ukprn}", f'provider = "Generated Provider {k:04d} Ltd"',
                  f'start_window = ["{first["start_window"][0]}", "{first["start_window"][1]}"]',
                  f'planned_end_window = ["{first["planned_end_window"][0]}", "{first["planned_end_window"][1]}"]',
                  ""]
        for aim in aims.values():
            lines += ["[[contract.aim]]", f'lars = "{aim["lars"]}"', f'title = "{aim["title"]}"',
                      f"weeks = {aim['weeks']}", f'mode = "{aim["mode"]}"', f"price = {float(aim['price']):.2f}", ""]
    return "\n".join(lines)


def national_case(samples: str | Path, out: str | Path, learners: int, providers: int, *,
                  shared_every: int = 50) -> Path:
    """Write a case folder ``out`` of ``providers`` providers (UKPRN :data:`FIRST_UKPRN` + k) and ``learners``
    learners in all, spread evenly: one return each (``ilr/pNNNN/ILR-<UKPRN>-2425-....xml``, the samples' latest
    2024-25 header) and ``contracts.toml`` (every sample aim for every provider). Every ``shared_every``-th
    learner of a provider has the ULN of the next learner at the previous provider (one person at two providers);
    temporary ULNs are kept."""
    samples, out = Path(samples), Path(out)
    files = _latest_returns(samples)
    blocks = [b for f in files for b in _LEARNER.findall(f.read_bytes())]
    text = files[0].read_bytes()
    head, tail = text[: text.index(b"<Learner>")], b"</Message>\n"
    ukprns = [FIRST_UKPRN + k for k in range(providers)]
    out.mkdir(parents=True, exist_ok=True)
    base, extra = divmod(learners, providers)
    start = previous = 0
    for k, ukprn in enumerate(ukprns):
        count = base + (k < extra)
        folder = out / "ilr" / f"p{k:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / f"ILR-{ukprn}-2425-20250404-120000-01.xml", "wb") as fh:
            fh.write(_UKPRN.sub(b"<UKPRN>%d</UKPRN>" % ukprn, head))
            for i in range(count):
                block = blocks[(start + i) % len(blocks)]
                block = _REF.sub(b"<LearnRefNumber>G%09d</LearnRefNumber>" % i, block, count=1)
                shared = k > 0 and i % shared_every == 1 and i + 1 < start - previous
                uln = _uln(previous + i + 1) if shared else _uln(start + i)
                found = _ULN.search(block)
                if found is not None and found[1] != TEMPORARY_ULN:
                    block = block[:found.start()] + b"<ULN>%s</ULN>" % uln + block[found.end():]
                fh.write(block)
            fh.write(tail)
        previous, start = start, start + count
    (out / "contracts.toml").write_text(_contracts_toml(samples, ukprns), encoding="utf-8")
    return out
