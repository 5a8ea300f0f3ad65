"""`python -m benchmarks [--profile full|smoke|tiny]`, `… generate DIR`, `… markdown [FILE]`, `… step …` (internal)."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _bench(args: argparse.Namespace) -> int:
    from rich.console import Console

    from benchmarks.plan import Bench, profile_named, run_plan
    from benchmarks.report import print_report, write_results

    console = Console(width=max(Console().width, 150))
    profile = profile_named(args.profile, units=args.units, small=args.small, large=args.large,
                            indicators=args.indicators, budget_s=args.budget)
    out = args.out or (HERE / "results.json" if profile.name == "full" else
                       HERE / "work" / f"results-{profile.name}.json")
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
    import json

    from benchmarks.report import markdown

    print(markdown(json.loads(args.results.read_text(encoding="utf-8"))), end="")
    return 0


def _step(args: argparse.Namespace) -> int:
    from benchmarks.steps import STEPS

    STEPS[args.name](*args.args)
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    p.add_argument("--profile", choices=["full", "smoke", "tiny"], default="full")
    p.add_argument("--units", type=int, help="base unit count (default: the profile's)")
    p.add_argument("--small", type=int, help="units of the small scale-curve run")
    p.add_argument("--large", type=int, help="units of the large scale-curve run")
    p.add_argument("--indicators", type=int, help="catalog size (indicators of every kind)")
    p.add_argument("--budget", type=float, help="seconds the whole benchmark may take")
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
    md = sub.add_parser("markdown", help="print a results file as Markdown tables")
    md.add_argument("results", type=Path, nargs="?", default=HERE / "results.json")
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
