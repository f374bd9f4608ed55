"""`convstudio export` and `convstudio new`: a session's pictures, arrays and code out; a new
session in from a PyTorch layer's text, a picture or array, and a checkpoint.

Every problem prints one line naming it on stderr and exits with status 1, and nothing is
written (every file is written atomically). Arrays and scripts need no Qt; pictures open the
window offscreen, as ``--screenshot`` does.
"""

from __future__ import annotations

import argparse
import sys

from convstudio.cli import _position


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error exits with status 1 like every other refusal here."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(1, f"{self.prog}: error: {message}\n")


def _scale(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number, e.g. 2") from None
    if not 0 < value <= 8:
        raise argparse.ArgumentTypeError(f"{text!r} is outside (0, 8]")
    return value


def _frame_ms(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of ms") from None
    if not 10 <= value <= 60_000:
        raise argparse.ArgumentTypeError(f"{text!r} is outside 10..60000 ms")
    return value


def export_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="convstudio export",
        description=(
            "Write a session as a picture (.png, .svg), an animation (.gif, or a folder of "
            "numbered .png frames: a name without a suffix), an array (.npy, .csv) or a "
            "runnable script (.py). The format comes from OUT's suffix."
        ),
    )
    parser.add_argument("session", metavar="SESSION", help="a .convstudio session file")
    parser.add_argument("out", metavar="OUT", help="the file (or frames folder) to write")
    parser.add_argument("--out-feature", type=int, metavar="N", help="the output feature shown")
    parser.add_argument(
        "--position", type=_position, metavar="I[,J]", help="the output position shown"
    )
    parser.add_argument(
        "--scale", type=_scale, default=1.0, metavar="S", help="pixels per screen pixel (2: slides)"
    )
    parser.add_argument(
        "--code", choices=("numpy", "torch"), default="numpy", help=".py: the script's library"
    )
    parser.add_argument("--theme", choices=("light", "dark"), help="pictures: the colours")
    parser.add_argument(
        "--what",
        choices=("input", "weight", "bias", "output"),
        default="output",
        help=".npy/.csv: which array",
    )
    parser.add_argument(
        "--reveal", action="store_true", help="animations: output cells appear as they are reached"
    )
    parser.add_argument(
        "--frame-ms", type=_frame_ms, default=400, metavar="N", help="animations: ms per frame"
    )
    parser.add_argument(
        "--arithmetic", action="store_true", help="pictures: the arithmetic under the stage"
    )
    return parser


def new_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="convstudio new",
        description=(
            "Write a new session from a PyTorch layer as it is written in code, with an input "
            "(a picture, or a signal/grid in .npy/.csv/.tsv) and optionally real weights from "
            "a .safetensors or .npz checkpoint."
        ),
    )
    parser.add_argument("out", metavar="OUT.convstudio", help="the session file to write")
    parser.add_argument(
        "--layer",
        required=True,
        metavar="TEXT",
        help="e.g. 'nn.Conv2d(3, 16, kernel_size=3, padding=1)'",
    )
    parser.add_argument(
        "--input-size",
        metavar="L|HxW",
        help="the input's size as an array counts it (height first)",
    )
    parser.add_argument("--input", metavar="FILE", help="a picture (.png, .jpg) or .npy/.csv/.tsv")
    modes = parser.add_mutually_exclusive_group()
    modes.add_argument("--gray", action="store_true", help="a picture as 1 grey feature")
    modes.add_argument("--rgb", action="store_true", help="a picture as 3 RGB features")
    parser.add_argument("--weights", metavar="FILE", help="a .safetensors or .npz checkpoint")
    parser.add_argument(
        "--prefix", metavar="NAME", help="the layer's name in the checkpoint (NAME.weight)"
    )
    return parser


def _fail(error: object) -> int:
    print(f"convstudio: {error}", file=sys.stderr)
    return 1


def run_export(args: argparse.Namespace) -> int:
    from convstudio.session.fileformat import load
    from convstudio.transfer.export import export_data, export_kind

    try:
        kind = export_kind(args.out)
        if kind in ("array", "code"):
            export_data(load(args.session), args.out, what=args.what, code=args.code)
            return 0
    except ValueError as error:
        return _fail(error)
    # Qt is imported only for pictures.
    from convstudio.ui.export.exporter import ExportRequest
    from convstudio.ui.shell.export_command import export_pictures

    request = ExportRequest(
        path=args.out,
        out_feature=args.out_feature,
        position=args.position,
        scale=args.scale,
        reveal=args.reveal,
        frame_ms=args.frame_ms,
        arithmetic=args.arithmetic,
    )
    return export_pictures(args.session, request, args.theme)


def run_new(args: argparse.Namespace) -> int:
    from convstudio.session.fileformat import save
    from convstudio.transfer.new_session import build_session, parse_size

    try:
        if not args.out.lower().endswith(".convstudio"):
            raise ValueError(f"{args.out}: a session file ends with .convstudio")
        size = parse_size(args.input_size) if args.input_size else None
        mode = "gray" if args.gray else "rgb" if args.rgb else None
        session = build_session(
            args.layer,
            input_size=size,
            input_path=args.input,
            image_mode=mode,
            weights_path=args.weights,
            prefix=args.prefix,
        )
        save(session, args.out)
    except ValueError as error:
        return _fail(error)
    return 0


def main(argv: list[str]) -> int:
    """``argv`` starts with the subcommand ("export" or "new")."""
    command, rest = argv[0], argv[1:]
    parser = export_parser() if command == "export" else new_parser()
    try:
        args = parser.parse_args(rest)
    except SystemExit as stop:  # --help (0) or a usage error (1): a status, as every refusal
        return stop.code if isinstance(stop.code, int) else 1
    return run_export(args) if command == "export" else run_new(args)
