"""Command line entry point: `convstudio [SESSION]`, `--version`, `--screenshot`."""

from __future__ import annotations

import argparse
import sys

from convstudio import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="convstudio", description="See, edit and check how a convolution layer computes."
    )
    parser.add_argument("--version", action="version", version=f"ConvStudio {__version__}")
    return parser


def main(argv: list[str] | None = None) -> int:
    build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    return 0
