"""``python -m convstudio.bench engine|ui|all [options]``: run one benchmark part, or all.

Options after the part name go to that part (``--quick`` runs each case once at small sizes).
Parts are imported only when run, so a missing part or a missing optional package (torch,
scipy) never stops the others.
"""

from __future__ import annotations

import argparse
import importlib
import sys

PARTS = ("engine", "ui")


def run_part(name: str, argv: list[str]) -> int:
    """Import ``convstudio.bench.<name>`` and run its ``main``; a clear message if it is missing."""
    module_name = f"convstudio.bench.{name}"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise  # the part is there but something it imports is not: show that error
        print(f"convstudio.bench: the '{name}' benchmark ({module_name}) is not installed here")
        return 2
    return int(module.main(argv) or 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m convstudio.bench",
        description="ConvStudio benchmarks: engine (convolution vs PyTorch/SciPy), ui, or all.",
    )
    parser.add_argument("part", choices=(*PARTS, "all"), help="which benchmark to run")
    args, rest = parser.parse_known_args(argv)
    parts = PARTS if args.part == "all" else (args.part,)
    status = 0
    for part in parts:
        status = max(status, run_part(part, list(rest)))
    return status


if __name__ == "__main__":
    sys.exit(main())
