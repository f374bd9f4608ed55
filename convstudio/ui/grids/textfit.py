"""Fitting a number into a cell: fewer digits first, then a smaller font, never cut off.

Shared by the numbers view and the zoomed-in colour map so both shorten numbers the same way.
"""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontMetrics

from convstudio.ui.grids.numbers import format_compact

#: Font sizes tried, as factors of the cell font.
FONT_STEPS = (1.0, 0.86, 0.74, 0.64)
#: Never draw cell text smaller than this many points.
MIN_POINT_SIZE = 5.0


class TextFitter:
    """Chooses (font, text) for a value in a cell width; results are cached per text and width."""

    def __init__(self, font: QFont, italic: bool = False) -> None:
        self.fonts: list[QFont] = []
        for factor in FONT_STEPS:
            f = QFont(font)
            if f.pointSizeF() > 0:
                f.setPointSizeF(max(MIN_POINT_SIZE, font.pointSizeF() * factor))
            else:
                f.setPixelSize(max(7, round(font.pixelSize() * factor)))
            f.setItalic(italic)
            self.fonts.append(f)
        self._metrics = [QFontMetrics(f) for f in self.fonts]
        self._cache: dict[tuple[str, int], tuple[int, str]] = {}

    def fit(self, text: str, value: float, width: int) -> tuple[QFont, str]:
        """The font and text to draw ``value`` (shown as ``text`` when it fits) in ``width`` px.

        Keeps the cell font as long as possible (the full text, then 3 significant digits), then
        the next size down, then 2 digits, then 1 digit in every size; the last resort is 1 digit
        in the smallest font.
        """
        key = (text, width)
        found = self._cache.get(key)
        if found is None:
            three = format_compact(value, 3, integers=False)
            two = format_compact(value, 2, integers=False)
            plans = [(text, 0), (three, 0), (text, 1), (three, 1), (two, 0), (two, 1)]
            tiny = format_compact(value, 1, integers=False)
            plans += [(tiny, step) for step in range(len(self.fonts))]
            found = (len(self.fonts) - 1, tiny)
            for candidate, step in plans:
                if self._metrics[step].horizontalAdvance(candidate) <= width:
                    found = (step, candidate)
                    break
            if len(self._cache) > 20000:
                self._cache.clear()
            self._cache[key] = found
        return self.fonts[found[0]], found[1]
