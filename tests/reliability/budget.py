"""Time and memory budgets of single intake cases: the case runs in a fresh Python process that
reports its own peak RSS (`ru_maxrss`) and the wall time of the examination alone (imports, the
registries and the Great Expectations context are set up before the clock starts). An address-space
limit (RLIMIT_AS) on that process is the safety net: a regression fails there, it does not take the
shared machine's memory."""
from __future__ import annotations

import json
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

AS_LIMIT_MB = 8192  # the child's address space: far above the budgets, far below the machine

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
args = json.loads(sys.argv[1])
from kaoping.stages.resources import Resources
from kaoping.stages.intake import Validator, examine_file, ingest
res = Resources.open(args["workspace"], args["db"])
res.sync_dimensions()
validator = Validator() if args["mode"] == "examine" else None
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
start = time.perf_counter()
if args["mode"] == "examine":
    exam = examine_file(res, Path(args["path"]), validator, department_hint=args.get("hint"))
    out = {"accepted": exam.accepted, "rules": sorted({p.rule for p in exam.problems if p.severity == "error"}),
           "problems": len(exam.problems), "values": len(exam.values),
           "messages": [p.message for p in exam.problems[:3]]}
else:
    report = ingest(res)
    out = {"statuses": [o.status for o in report.outcomes],
           "rules": sorted({p.rule for o in report.outcomes for p in o.problems if p.severity == "error"}),
           "problems": sum(len(o.problems) for o in report.outcomes),
           "reports": [str(o.problem_report) for o in report.outcomes if o.problem_report]}
out["elapsed_s"] = time.perf_counter() - start
out["base_mb"] = base
out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("RESULT " + json.dumps(out, ensure_ascii=False))
"""


@dataclass
class Measured:
    result: dict
    elapsed_s: float
    peak_mb: float
    base_mb: float

    def within(self, seconds: float, megabytes: float) -> None:
        assert self.elapsed_s <= seconds, f"{self.elapsed_s:.1f} s > budget {seconds} s: {self.result}"
        assert self.peak_mb <= megabytes, f"peak {self.peak_mb:.0f} MB > budget {megabytes} MB: {self.result}"


def _limit_address_space() -> None:
    limit = AS_LIMIT_MB * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def measure(workspace: Path, db_url: str, mode: str, path: Path | None = None, hint: str | None = "公安局",
            timeout_s: float = 900) -> Measured:
    """Run one case (`examine` a file, or `ingest` the inbox) in a fresh process; its measurements."""
    args = json.dumps({"workspace": str(workspace), "db": db_url, "mode": mode, "path": str(path) if path else None,
                       "hint": hint})
    proc = subprocess.run([sys.executable, "-c", CHILD, args], capture_output=True, text=True, timeout=timeout_s,
                          preexec_fn=_limit_address_space)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, f"exit {proc.returncode}\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    out = json.loads(lines[-1][len("RESULT "):])
    return Measured(out, out.pop("elapsed_s"), out.pop("peak_mb"), out.pop("base_mb"))
