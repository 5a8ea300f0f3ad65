"""`python -m benchmarks [--profile full|scale|smoke|tiny]`, `… generate DIR`, `… markdown [--write PAGE]`, `… step …` (internal)."""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = {"full": HERE / "results.json", "scale": HERE / "results-scale.json"}
PAGE = HERE.parent / "docs" / "performance.md"


def _bench(args: argparse.Namespace) -> int:
    from rich.console import Console

    from benchmarks.plan import Bench, profile_named, run_plan
    from benchmarks.report import print_report, write_results

    console = Console(width=max(Console().width, 150))
    profile = profile_named(args.profile, units=args.units, small=args.small, large=args.large,
                            indicators=args.indicators, cap_s=args.cap)
    out = args.out or RESULTS.get(profile.name, HERE / "work" / f"results-{profile.name}.json")
    console.print(f"[bold]kaoping benchmark[/bold] profile={profile.name} units={profile.units:,} "
                  f"indicators={profile.indicators} files={profile.departments * profile.quarters}")
    start = time.monotonic()
    bench = Bench(profile, args.work, echo=console.print)
    results = run_plan(bench)
    write_results(Path(out), profile.__dict__, profile.workload().as_dict(), bench.generated, results)
    print_report(results, console)
    console.print(f"results: {out}  (benchmark took {time.monotonic() - start:.0f} s)")
    return 0


def _generate(args: argparse.Namespace) -> int:
    from benchmarks.workload import Workload
    from benchmarks.workspace_gen import generate_workspace

    start = time.perf_counter()
    work = Workload(units=args.units, indicators=args.indicators, departments=args.departments,
                    quarters=args.quarters)
    folder = generate_workspace(work, args.directory)
    print(f"{folder}: {work.departments * work.quarters} files in {time.perf_counter() - start:.1f} s")
    return 0


def _markdown(args: argparse.Namespace) -> int:
    from benchmarks.report import results_section, write_section

    docs = [json.loads(p.read_text(encoding="utf-8")) for p in args.results if p.exists()]
    section = results_section(docs)
    if args.write:
        write_section(args.write, section)
        print(f"{args.write}: results section regenerated from {len(docs)} results file(s)")
    else:
        print(section, end="")
    return 0


def _step(args: argparse.Namespace) -> int:
    from benchmarks.steps import STEPS

    STEPS[args.name](*args.args)
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    p.add_argument("--profile", choices=["full", "scale", "smoke", "tiny"], default="full")
    p.add_argument("--units", type=int, help="base unit count (default: the profile's)")
    p.add_argument("--small", type=int, help="units of the small scale-curve run")
    p.add_argument("--large", type=int, help="units of the large scale-curve run")
    p.add_argument("--indicators", type=int, help="catalog size (indicators of every kind)")
    p.add_argument("--cap", type=float, help="seconds after which a step is stopped (its time a lower bound)")
    p.add_argument("--work", type=Path, default=HERE / "work", help="where generated data goes")
    p.add_argument("--out", type=Path, help="results file (default benchmarks/results.json for full)")
    p.set_defaults(run=_bench)
    sub = p.add_subparsers()
    gen = sub.add_parser("generate", help="only generate a workspace")
    gen.add_argument("directory", type=Path)
    gen.add_argument("--units", type=int, default=2000)
    gen.add_argument("--indicators", type=int, default=200)
    gen.add_argument("--departments", type=int, default=25)
    gen.add_argument("--quarters", type=int, default=4)
    gen.set_defaults(run=_generate)
    md = sub.add_parser("markdown", help="the results files as the Markdown section of docs/performance.md")
    md.add_argument("results", type=Path, nargs="*", default=list(RESULTS.values()))
    md.add_argument("--write", type=Path, nargs="?", const=PAGE, help="replace that section of the page in place")
    md.set_defaults(run=_markdown)
    step = sub.add_parser("step", help="internal: one measured step")
    step.add_argument("name")
    step.add_argument("args", nargs="*")
    step.set_defaults(run=_step)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
