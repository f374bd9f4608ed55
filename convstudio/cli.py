"""Command line entry point: `convstudio [SESSION]`, `--version`, `--screenshot PNG`, and the
subcommands `convstudio export SESSION OUT ...` and `convstudio new OUT.convstudio --layer ...`."""

from __future__ import annotations

import argparse
import os
import sys

from convstudio import __version__


def _position(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not I or I,J (whole numbers)") from None
    if not 1 <= len(values) <= 2 or min(values) < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not I or I,J (whole numbers from 0)")
    return values


def _input_cell(text: str) -> tuple[int, tuple[int, ...]]:
    """``C,I[,J]``: input feature C and its cell I (1D) or (I, J) (2D)."""
    feature, _, rest = text.partition(",")
    try:
        c = int(feature)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not C,I or C,I,J (whole numbers)") from None
    if c < 0 or not rest:
        raise argparse.ArgumentTypeError(f"{text!r} is not C,I or C,I,J (whole numbers from 0)")
    return c, _position(rest)


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not WxH, e.g. 1280x800") from None
    if width < 200 or height < 150:
        raise argparse.ArgumentTypeError(f"{text!r} is too small (at least 200x150)")
    return width, height


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="convstudio", description="See, edit and check how a convolution layer computes."
    )
    parser.add_argument("session", nargs="?", help="a .convstudio session file to open")
    parser.add_argument("--version", action="version", version=f"ConvStudio {__version__}")
    parser.add_argument(
        "--screenshot",
        metavar="PNG",
        help="render the main window to PNG (offscreen works) and exit",
    )
    parser.add_argument(
        "--out-feature", type=int, metavar="N", help="with --screenshot: the output feature"
    )
    parser.add_argument(
        "--position", type=_position, metavar="I[,J]", help="with --screenshot: the output position"
    )
    parser.add_argument(
        "--reveal",
        action="store_true",
        help="with --screenshot: blank the output cells playback has not reached by the position",
    )
    parser.add_argument(
        "--select-input",
        type=_input_cell,
        metavar="C,I[,J]",
        help="with --screenshot: select input cell [I, J] of input feature C (the reverse view)",
    )
    parser.add_argument(
        "--size", type=_size, metavar="WxH", help="with --screenshot: the window size"
    )
    return parser


#: The subcommands; anything else is the window's own command line (a session, --screenshot).
SUBCOMMANDS = ("export", "new")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in SUBCOMMANDS:  # convstudio export / convstudio new
        from convstudio import transfer_cli

        return transfer_cli.main(argv)
    args = build_parser().parse_args(argv)
    if args.screenshot:  # a picture for a file never needs a screen (unless one is chosen)
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    # Qt is imported only here, so `--version` and `--help` stay instant. First: one clear line
    # instead of Qt's traceback or abort when system libraries are missing.
    from convstudio.ui.shell import platform_check

    problem = platform_check.startup_problem()
    if problem is not None:
        print(f"convstudio: {problem}", file=sys.stderr)
        return 1
    from convstudio.ui.shell import app, qt_messages

    qt_messages.silence_noise()  # none of Qt's noise on the terminal
    if args.screenshot:
        return app.screenshot(
            args.screenshot,
            args.session,
            out_feature=args.out_feature,
            position=args.position,
            size=args.size,
            reveal=args.reveal,
            select_input=args.select_input,
        )
    return app.run(args.session)
