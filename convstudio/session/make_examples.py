"""Build the bundled example sessions, one per lecture step (SCENARIOS.md) and a few beyond.

The `.convstudio` files in `resources/examples/` are generated from this module so they stay
reproducible and consistent; a test checks that the committed files are exactly what it writes.
Regenerate them after changing a value here:

    python -m convstudio.session.make_examples            # write resources/examples/*.convstudio
    python -m convstudio.session.make_examples --check    # exit 1 if a committed file differs

Values are small integers (or one decimal) so that every product and sum can be followed by hand.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from convstudio.engine.params import ConvParams
from convstudio.session.examples import examples_dir
from convstudio.session.fileformat import SUFFIX, dumps, save
from convstudio.session.model import Session


def _session(params: ConvParams, x: Any, w: Any, b: Any, title: str, notes: str) -> Session:
    session = Session(
        params=params,
        input=np.array(x, dtype=np.float64),
        weight=np.array(w, dtype=np.float64),
        bias=np.array(b, dtype=np.float64),
        title=title,
        notes=notes,
    )
    return session.validate()


def conv1d_sliding() -> Session:
    return _session(
        ConvParams(ndim=1, in_features=1, out_features=1, kernel_size=3, bias=False),
        [[1, 3, 2, 0, 4, 1, 2, 3]],
        [[[1, 2, 1]]],
        [0],
        "1D: one kernel sliding along one feature",
        "One input row of 8 cells and one kernel of width 3, without padding, so the output has "
        "8 - 3 + 1 = 6 cells. Scrub the output position and watch the kernel slide one cell at a "
        "time: each output value is the three covered cells times 1, 2, 1, added up.",
    )


def conv1d_one_to_three() -> Session:
    return _session(
        ConvParams(ndim=1, in_features=1, out_features=3, kernel_size=3),
        [[2, 1, 0, 3, 1, 2, 0, 1]],
        [[[1, 1, 1]], [[1, 0, -1]], [[0, 1, 0]]],
        [0, 0, 0.5],
        "1D: one feature to three features",
        "Each output feature has its own kernel, and all three slide over the same input row. "
        "Kernel 0 adds three neighbours, kernel 1 takes the left neighbour minus the right one, "
        "kernel 2 copies the middle cell and its bias adds 0.5. Change the output feature to "
        "see the next kernel.",
    )


def conv1d_two_to_three() -> Session:
    return _session(
        ConvParams(ndim=1, in_features=2, out_features=3, kernel_size=3),
        [[1, 2, 0, 1, 3, 1, 0, 2], [0, 1, 1, 2, 0, 1, 2, 1]],
        [
            [[1, 0, 1], [0, 1, 0]],
            [[1, 1, 1], [-1, -1, -1]],
            [[0, 2, 0], [0, 0, 1]],
        ],
        [1, 0, -1],
        "1D: two features to three features",
        "Kernel 0 has one slice per input row. At each position both slices are applied, their "
        "two partial sums are added, then the bias. Scrub output feature 0 through every "
        "position, then switch to output feature 1: kernel 1 slides over the same two rows.",
    )


def conv2d_padding() -> Session:
    return _session(
        ConvParams(ndim=2, in_features=1, out_features=1, kernel_size=3, padding=1, bias=False),
        [
            [
                [1, 2, 0, 1, 2],
                [0, 1, 3, 1, 0],
                [2, 1, 0, 2, 1],
                [1, 0, 2, 1, 3],
                [0, 2, 1, 0, 1],
            ]
        ],
        [[[[0, 1, 0], [1, 1, 1], [0, 1, 0]]]],
        [0],
        "2D: one feature, padding at the border",
        "Padding 1 adds a border of zeros around the 5x5 input, so the 3x3 kernel fits over every "
        "input cell and the output keeps the 5x5 size. Move to a corner of the output: part of "
        "the kernel lies on padding cells, whose products are zero.",
    )


def conv2d_one_to_three() -> Session:
    return _session(
        ConvParams(ndim=2, in_features=1, out_features=3, kernel_size=3, padding=1),
        [
            [
                [0, 1, 2, 1, 0],
                [1, 2, 3, 2, 1],
                [0, 1, 2, 1, 0],
                [0, 0, 1, 0, 0],
                [1, 0, 0, 0, 1],
            ]
        ],
        [
            [[[0, 0, 0], [0, 1, 0], [0, 0, 0]]],
            [[[1, 0, -1], [2, 0, -2], [1, 0, -1]]],
            [[[1, 1, 1], [1, 1, 1], [1, 1, 1]]],
        ],
        [0, 0, -1],
        "2D: one feature to three features, with padding",
        "One input grid and three output grids, one kernel per output feature. Kernel 0 copies "
        "the centre cell, kernel 1 compares the left and right columns (an edge detector), "
        "kernel 2 adds the whole 3x3 window and subtracts its bias of 1.",
    )


def conv2d_three_to_one() -> Session:
    return _session(
        ConvParams(ndim=2, in_features=3, out_features=1, kernel_size=3, padding=1),
        [
            [[1, 2, 1, 0], [0, 1, 2, 1], [2, 1, 0, 1], [1, 0, 1, 2]],
            [[0, 1, 0, 1], [1, 0, 1, 0], [0, 1, 0, 1], [1, 0, 1, 0]],
            [[2, 2, 1, 1], [2, 2, 1, 1], [0, 0, 3, 3], [0, 0, 3, 3]],
        ],
        [
            [
                [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
                [[0, 1, 0], [1, 0, 1], [0, 1, 0]],
                [[0, 0, 0], [0, -1, 0], [0, 0, 0]],
            ]
        ],
        [0.5],
        "2D: three features to one feature, with padding",
        "Three input grids (think red, green and blue) and one output grid. The kernel has one "
        "3x3 slice per input feature; the arithmetic shows each slice's partial sum, and the "
        "output is the three partial sums plus the bias 0.5.",
    )


def conv2d_two_to_three() -> Session:
    return Session.default().validate()


def conv2d_stride_2() -> Session:
    return _session(
        ConvParams(
            ndim=2, in_features=1, out_features=1, kernel_size=3, stride=2, padding=1, bias=False
        ),
        [
            [
                [1, 0, 2, 1, 0, 1, 2],
                [0, 1, 1, 0, 2, 0, 1],
                [2, 0, 1, 3, 1, 0, 0],
                [1, 1, 0, 1, 0, 2, 1],
                [0, 2, 1, 0, 1, 1, 0],
                [1, 0, 0, 2, 0, 1, 3],
                [2, 1, 0, 1, 1, 0, 1],
            ]
        ],
        [[[[1, 1, 1], [1, 1, 1], [1, 1, 1]]]],
        [0],
        "2D: stride 2",
        "With stride 2 the kernel jumps two cells per step, so the 7x7 input (9x9 with its "
        "padding) gives a 4x4 output: (7 + 1 + 1 - 3) / 2 + 1 = 4. Scrub along a row: "
        "neighbouring output cells share only one column of input.",
    )


def conv2d_dilation_2() -> Session:
    return _session(
        ConvParams(ndim=2, in_features=1, out_features=1, kernel_size=3, dilation=2, bias=False),
        [
            [
                [1, 0, 2, 0, 1, 0, 2],
                [0, 3, 0, 1, 0, 2, 0],
                [2, 0, 1, 0, 3, 0, 1],
                [0, 1, 0, 2, 0, 1, 0],
                [1, 0, 3, 0, 1, 0, 2],
                [0, 2, 0, 1, 0, 3, 0],
                [2, 0, 1, 0, 2, 0, 1],
            ]
        ],
        [[[[1, 0, 1], [0, 2, 0], [1, 0, 1]]]],
        [0],
        "2D: dilation 2",
        "Dilation 2 spreads the 3x3 kernel over a 5x5 window and skips every other cell: the "
        "highlighted input cells have gaps between them. The window fits (7 - 5) + 1 = 3 times "
        "per side, so the output is 3x3.",
    )


def conv2d_reflect_padding() -> Session:
    return _session(
        ConvParams(
            ndim=2,
            in_features=1,
            out_features=1,
            kernel_size=3,
            padding=1,
            padding_mode="reflect",
            bias=False,
        ),
        [
            [
                [1, 2, 3, 4, 5],
                [2, 3, 4, 5, 6],
                [3, 4, 5, 6, 7],
                [4, 5, 6, 7, 8],
                [5, 6, 7, 8, 9],
            ]
        ],
        [[[[0, 1, 0], [1, 1, 1], [0, 1, 0]]]],
        [0],
        "2D: reflect padding",
        "Reflect padding fills the border with the input mirrored at its edge, without repeating "
        "the edge cell: left of the 1 in the top row sits a 2. Look at a corner of the output "
        "and compare with the zeros of the padding example.",
    )


def conv2d_depthwise() -> Session:
    return _session(
        ConvParams(ndim=2, in_features=3, out_features=3, kernel_size=3, padding=1, groups=3),
        [
            [[1, 2, 0, 1, 2], [0, 1, 2, 1, 0], [2, 0, 1, 0, 2], [1, 2, 0, 2, 1], [0, 1, 1, 0, 1]],
            [[3, 0, 0, 0, 3], [0, 3, 0, 3, 0], [0, 0, 3, 0, 0], [0, 3, 0, 3, 0], [3, 0, 0, 0, 3]],
            [[0, 0, 1, 1, 1], [0, 0, 1, 1, 1], [0, 0, 1, 1, 1], [2, 2, 2, 2, 2], [2, 2, 2, 2, 2]],
        ],
        [
            [[[0, 1, 0], [1, 1, 1], [0, 1, 0]]],
            [[[0, 0, 0], [0, 0.5, 0], [0, 0, 0]]],
            [[[1, 0, -1], [1, 0, -1], [1, 0, -1]]],
        ],
        [0, 0, 0],
        "2D: depthwise (groups = features)",
        "groups = 3 splits the layer into three independent one-feature convolutions: output "
        "feature 0 reads only input feature 0, and so on, so each kernel has a single 3x3 slice. "
        "This is the depthwise layer of MobileNet-style networks.",
    )


def conv2d_edge_detector() -> Session:
    square = np.zeros((8, 8))
    square[2:6, 2:6] = 1
    return _session(
        ConvParams(ndim=2, in_features=1, out_features=2, kernel_size=3, padding=1, bias=False),
        [square],
        [
            [[[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]],
            [[[-1, -2, -1], [0, 0, 0], [1, 2, 1]]],
        ],
        [0, 0],
        "2D: an edge detector (Sobel) on a square",
        "The 8x8 picture is a bright square (1) on a dark background (0). Output feature 0 uses "
        "the Sobel kernel for left-right changes: positive on the square's left edge, negative on "
        "its right edge, zero inside. Output feature 1 does the same for top and bottom edges.",
    )


#: File name (without the extension) -> builder, in lecture order.
EXAMPLES: dict[str, Callable[[], Session]] = {
    "01-conv1d-sliding": conv1d_sliding,
    "02-conv1d-one-to-three": conv1d_one_to_three,
    "03-conv1d-two-to-three": conv1d_two_to_three,
    "04-conv2d-padding": conv2d_padding,
    "05-conv2d-one-to-three": conv2d_one_to_three,
    "06-conv2d-three-to-one": conv2d_three_to_one,
    "07-conv2d-two-to-three": conv2d_two_to_three,
    "08-conv2d-stride-2": conv2d_stride_2,
    "09-conv2d-dilation-2": conv2d_dilation_2,
    "10-conv2d-reflect-padding": conv2d_reflect_padding,
    "11-conv2d-depthwise": conv2d_depthwise,
    "12-conv2d-edge-detector": conv2d_edge_detector,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    parser.add_argument("--folder", type=Path, default=None, help="default: resources/examples")
    args = parser.parse_args(argv)
    folder: Path = args.folder or examples_dir()
    differ = []
    for name, build in EXAMPLES.items():
        path = folder / (name + SUFFIX)
        if args.check:
            text = dumps(build())
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                differ.append(path)
        else:
            save(build(), path)
            print(path)
    known = {name + SUFFIX for name in EXAMPLES}
    for path in sorted(folder.glob("*" + SUFFIX)):
        if path.name not in known:
            print(f"{path}: not made by this script; add it to EXAMPLES", file=sys.stderr)
            differ.append(path)
    for path in differ if args.check else ():
        print(f"{path}: differs from what make_examples writes", file=sys.stderr)
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
