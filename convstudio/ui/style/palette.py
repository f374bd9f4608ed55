"""The colours ConvStudio gives meaning to: highlight roles, padding and the diverging value map.

One place, so that the grids, the colour maps and the arithmetic panel agree on what "the receptive
field" or "the output cell" looks like. The roles come from the Okabe-Ito palette, which stays
distinguishable under the common colour-vision deficiencies; each role has a light and a dark-theme
variant so that borders keep their contrast against the window.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget

#: Highlight roles, in the order they stack (later roles are drawn on top of earlier ones).
HIGHLIGHT_ROLES: tuple[str, ...] = (
    "previous",
    "receptive",
    "kernel",
    "output",
    "selected",
    "selected_copy",
    "hover",
)
#: Roles drawn with a dashed border instead of a solid one: the reverse view's cells that read
#: the selected input cell through a padding copy (same hue as "selected", another line).
DASHED_ROLES = frozenset({"selected_copy"})
#: Roles drawn faintly, with a dotted border and half the fill: the previous position's
#: receptive field, shown beside the current one so that the stride is the step between them.
FAINT_ROLES = frozenset({"previous"})
#: Every role :func:`role_color` knows.
ROLES: tuple[str, ...] = (
    *HIGHLIGHT_ROLES,
    "padding",
    "negative",
    "zero",
    "positive",
    "nonfinite",
)
THEMES: tuple[str, ...] = ("light", "dark")

# Okabe-Ito: orange, sky blue, bluish green, yellow, blue, vermillion, reddish purple.
_OKABE_ITO = {
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
}

_ROLE_HEX: dict[str, dict[str, str]] = {
    "light": {
        "previous": "#A87F3A",  # a muted orange: the receptive field's, one step back
        "receptive": _OKABE_ITO["orange"],
        "kernel": _OKABE_ITO["green"],
        "output": _OKABE_ITO["purple"],
        "selected": _OKABE_ITO["sky"],
        "selected_copy": _OKABE_ITO["sky"],
        # Yellow has too little contrast on white for a border: a near-black hover reads at once.
        "hover": "#1A1A1A",
        "padding": "#8C8C8C",
        "negative": _OKABE_ITO["blue"],
        "zero": "#FFFFFF",
        "positive": _OKABE_ITO["vermillion"],
        # Infinity and NaN: a cross-hatch in a hue the value map and the highlights leave alone.
        "nonfinite": "#7A5C00",
    },
    "dark": {
        "previous": "#B89460",
        "receptive": _OKABE_ITO["orange"],
        "kernel": "#2BC89A",
        "output": "#E59BC4",
        "selected": _OKABE_ITO["sky"],
        "selected_copy": _OKABE_ITO["sky"],
        "hover": _OKABE_ITO["yellow"],
        "padding": "#7A7A7A",
        "negative": "#3A93D0",  # Okabe-Ito blue, lifted to read on a dark window
        "zero": "#202020",
        "positive": "#F07A2A",
        "nonfinite": "#E0C040",
    },
}

#: Alpha of the translucent fill under a highlight border, per theme.
HIGHLIGHT_FILL_ALPHA = {"light": 70, "dark": 90}
#: How far (0..1) the numbers-mode tint moves from the zero colour towards an endpoint at the limit.
#: Kept well under 1 so that the cell's text stays readable on the strongest tint.
TINT_STRENGTH = 0.55


def _check_theme(theme: str) -> None:
    if theme not in _ROLE_HEX:
        raise ValueError(f"unknown theme {theme!r}: expected one of {', '.join(THEMES)}")


def role_color(role: str, theme: str = "light") -> QColor:
    """The opaque colour of ``role`` (see :data:`ROLES`) in ``theme`` ("light" or "dark")."""
    _check_theme(theme)
    try:
        return QColor(_ROLE_HEX[theme][role])
    except KeyError:
        raise ValueError(
            f"unknown colour role {role!r}: expected one of {', '.join(ROLES)}"
        ) from None


def role_pen_style(role: str) -> Qt.PenStyle:
    """The line a highlight role's borders are drawn with: dashed for :data:`DASHED_ROLES`,
    dotted for :data:`FAINT_ROLES`, else solid."""
    if role in DASHED_ROLES:
        return Qt.PenStyle.DashLine
    return Qt.PenStyle.DotLine if role in FAINT_ROLES else Qt.PenStyle.SolidLine


def highlight_fill(role: str, theme: str = "light") -> QColor:
    """The translucent fill drawn under a highlight's border: the role colour, see-through."""
    color = role_color(role, theme)
    alpha = HIGHLIGHT_FILL_ALPHA[theme]
    color.setAlpha(alpha // 2 if role in FAINT_ROLES else alpha)
    return color


def theme_of(source: QWidget | QPalette | None = None) -> str:
    """ "dark" when the window colour of ``source`` (or the application) is dark, else "light"."""
    if isinstance(source, QPalette):
        palette = source
    elif source is not None:
        palette = source.palette()
    else:
        palette = QApplication.palette()
    return "dark" if palette.color(QPalette.ColorRole.Window).lightnessF() < 0.5 else "light"


def diverging_endpoints(theme: str = "light") -> tuple[QColor, QColor, QColor]:
    """The (negative, zero, positive) colours of the diverging value map."""
    return role_color("negative", theme), role_color("zero", theme), role_color("positive", theme)


@lru_cache(maxsize=8)
def diverging_lut(theme: str = "light", size: int = 256) -> np.ndarray:
    """A ``(size, 4)`` uint8 RGBA lookup table from negative through zero to positive.

    The colour maps of large grids use the full strength of the endpoints (a picture of the values);
    the numbers-mode tint uses :func:`tint_colors` instead, which keeps text readable.
    """
    neg, zero, pos = (np.array(c.getRgb(), dtype=np.float64) for c in diverging_endpoints(theme))
    t = np.linspace(-1.0, 1.0, size)[:, None]
    lut = np.where(t < 0, zero + (neg - zero) * (-t), zero + (pos - zero) * t)
    lut = np.clip(np.rint(lut), 0, 255).astype(np.uint8)
    lut.flags.writeable = False  # shared by every grid (cached)
    return lut


@lru_cache(maxsize=8)
def tint_colors(theme: str = "light", steps: int = 64) -> tuple[QColor, ...]:
    """``2 * steps + 1`` subtle cell tints, index ``steps`` is zero, 0 is -limit, the last +limit.

    Precomputed (once per theme: every grid shares them) so that painting a cell is one index.
    """
    neg, zero, pos = diverging_endpoints(theme)
    base = zero
    out: list[QColor] = []
    for i in range(-steps, steps + 1):
        end = neg if i < 0 else pos
        f = TINT_STRENGTH * abs(i) / steps
        out.append(
            QColor.fromRgbF(
                base.redF() + (end.redF() - base.redF()) * f,
                base.greenF() + (end.greenF() - base.greenF()) * f,
                base.blueF() + (end.blueF() - base.blueF()) * f,
            )
        )
    return tuple(out)
