"""The arithmetic panel: the current output value written out as the sum that makes it.

One line per input feature (``in 0:  1·0.5 + 2·(−1) + 0·0.25 = 3.5``), then the partial sums,
the bias and the total, so that a student can check the number by hand. The text is rich text
in a ``QTextBrowser``: every term is an anchor, so hovering one names it (``term_hovered``, kept
in the view state's ``hover``) and the stage lights its input cell and kernel cell. Big layers
(hundreds of terms) are elided with counts, never dropped silently: every partial sum stays on
screen and the numbers still add up.
Nothing is computed here: the panel shows an ``Explanation`` from the engine (``bind``: of the
document's cursor cell, asked for on each change).
"""

from __future__ import annotations

import html
import time
from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, Qt, QUrl, Signal
from PySide6.QtGui import QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QTextBrowser,
    QTextEdit,
    QToolTip,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import qdebounced

from convstudio.engine import ConvParams, Explanation, Term, explain_checked
from convstudio.session import ViewState, describe_feeds, feeds, selection_fits
from convstudio.ui.grids.numbers import MINUS, format_compact
from convstudio.ui.state.binding import follow
from convstudio.ui.state.document import SessionDocument
from convstudio.ui.style.palette import highlight_fill, role_color, theme_of
from convstudio.ui.style.theme import theme_controller

#: While the cursor moves faster than this (seconds between steps), the text waits until the
#: cursor rests for as long, then shows the cell the cursor rests on: laying out the text costs
#: more than moving the highlights, and nobody reads arithmetic that fast.
EXPLAIN_REST_S = 0.04
#: The document parts whose change makes a new explanation (the title and notes do not).
_VALUE_PARTS = frozenset({"params", "input", "weight", "bias"})

#: Terms shown per input feature before the line is elided ("… + 16 more").
TERMS_PER_LINE = 9
#: When a feature has more terms than ``TERMS_PER_LINE``, this many lead the elided line.
ELIDED_LEAD = 6
#: Input-feature lines shown before the rest are summarised in one line.
FEATURE_LINES = 16
#: Summands written out in the "partial sums" line before it is elided.
PARTIAL_SUMS_SHOWN = 8
#: With "every term" on, at most this many terms are written (the rest elided as above), so that
#: a 512-feature layer with a large kernel still redraws in a few milliseconds per cursor step.
MAX_ALL_TERMS = 1024

MULTIPLY = "\u00b7"
ELLIPSIS = "\u2026"
INDEX_NOTE = (
    "Indices count from 0, as in PyTorch: output feature o at position (i, j) is "
    "output[o, i, j], computed with the kernel weight[o]."
)


def number(value: float) -> str:
    """A value as the panel writes it: integers as integers, else up to 4 significant digits."""
    return format_compact(value, digits=4)


def operand(value: float) -> str:
    """A value inside a sum or product: negative numbers in parentheses, ``2·(−1)``."""
    text = number(value)
    return f"({text})" if text.startswith(MINUS) else text


def _position_text(position: Sequence[int]) -> str:
    return str(position[0]) if len(position) == 1 else "(" + ", ".join(map(str, position)) + ")"


def _term_href(index: int) -> str:
    return f"t:{index}"


class _TermBrowser(QTextBrowser):
    """A read-only rich-text view whose term anchors explain themselves in a tooltip."""

    def __init__(self, panel: ArithmeticPanel) -> None:
        super().__init__(panel)
        self._panel = panel
        self.setOpenLinks(False)  # anchors name terms; clicking must not navigate away
        self.setReadOnly(True)
        self.setUndoRedoEnabled(False)
        self.viewport().setMouseTracking(True)

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            pos = event.pos()  # type: ignore[attr-defined]
            text = self._panel.tooltip_at(pos)
            if text:
                QToolTip.showText(event.globalPos(), text, self.viewport())  # type: ignore[attr-defined]
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().viewportEvent(event)


class _LeaveWatcher(QObject):
    """Reports the pointer leaving the browser: ``highlighted`` does not fire then."""

    def __init__(self, panel: ArithmeticPanel) -> None:
        super().__init__(panel)
        self._panel = panel

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Leave:
            self._panel._set_hovered(None)
        return False


class ArithmeticPanel(QWidget):
    """Shows one ``Explanation`` as readable arithmetic; hovering a term emits it.

    ``show_explanation(explanation, params)`` redraws for a new cursor cell (cheap enough for
    every scrub step); ``clear(message)`` shows a message instead (e.g. while settings are
    invalid). ``term_hovered`` carries the ``Term`` under the pointer, or None when it leaves.
    """

    term_hovered = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ArithmeticPanel")
        self.header = QLabel()
        self.header.setObjectName("ArithmeticHeader")
        self.header.setTextFormat(Qt.TextFormat.PlainText)
        self.header.setToolTip(INDEX_NOTE)
        # The header must not hold the dock wide: in a narrow dock it is clipped, not enforced.
        self.header.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.header.setMinimumWidth(40)
        self.every_term = QCheckBox("Every term")
        self.every_term.setToolTip(
            "Write out every product instead of the first few per input feature "
            f"(up to {MAX_ALL_TERMS:,} terms)"
        )
        # The reverse view in words: what the selected input cell feeds, and why.
        self.feeds_line = QLabel()
        self.feeds_line.setObjectName("ArithmeticFeeds")
        self.feeds_line.setTextFormat(Qt.TextFormat.PlainText)
        self.feeds_line.setWordWrap(True)
        self.feeds_line.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.feeds_line.setToolTip("Esc, or a click on the selected input cell, clears it")
        self.feeds_line.hide()
        self.browser = _TermBrowser(self)
        self.browser.setObjectName("ArithmeticText")
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.header, 1)
        top.addWidget(self.every_term)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.feeds_line)
        layout.addWidget(self.browser, 1)

        self._explanation: Explanation | None = None
        self._params: ConvParams | None = None
        self._shown: dict[int, Term] = {}  # term index -> Term, for the terms written out
        self._ranges: dict[str, tuple[int, int]] | None = None  # anchor -> document range
        self._hovered: Term | None = None
        self._hovered_href = ""
        self._watcher = _LeaveWatcher(self)
        self.browser.viewport().installEventFilter(self._watcher)
        self.browser.highlighted.connect(self._link_highlighted)
        self.every_term.toggled.connect(lambda _on: self._render())
        self._document: SessionDocument | None = None
        self._view: ViewState | None = None
        self.clear("No output cell to explain yet.")

    # -- following the document ------------------------------------------------------------------
    def bind(self, document: SessionDocument, view: ViewState) -> None:
        """Explain the document's cursor cell from now on, and put the hovered term in ``view``.

        A change of values or settings is explained at once; cursor steps through the rest rule
        (``EXPLAIN_REST_S``: at once after a pause, else once the scrubbing rests); a new theme
        writes the text again (it carries the palette's colours).
        """
        self._document, self._view = document, view
        self._last_cursor_move = 0.0
        # The trailing edge: once the cursor rests, the cell it rests on. The leading edge (a step
        # after a pause is written out at once) is decided in _cursor_changed.
        self._explain_soon = qdebounced(
            self._explain_cursor, timeout=round(EXPLAIN_REST_S * 1000), parent=self
        )
        document.changed.connect(self._document_changed)
        document.cursor_changed.connect(self._cursor_changed)
        theme_controller().theme_changed.connect(self._theme_changed)
        self.term_hovered.connect(self._hover_changed)
        follow(view.events.selected_input, self, self._show_feeds)
        self._explain_cursor()
        self._show_feeds()

    def settle(self) -> None:
        """Explain at once a cursor cell that waits for the scrubbing to rest (a screenshot)."""
        if self._document is not None:
            self._explain_soon.flush(restart_timer=False)

    def _document_changed(self, parts: frozenset[str]) -> None:
        if parts & _VALUE_PARTS:
            self._explain_cursor()
        if "params" in parts:
            self._show_feeds()

    def _show_feeds(self, *_: object) -> None:
        """Say what the view state's selected input cell feeds (hidden when none is)."""
        document, view = self._document, self._view
        selection = view.selected_input if view is not None else None
        session = document.session if document is not None else None
        if session is None or not selection_fits(session.params, session.input.shape, selection):
            self.feeds_line.hide()
            self.feeds_line.setText("")
            return
        assert selection is not None
        found = feeds(session.params, session.input.shape, *selection)
        self.feeds_line.setText(describe_feeds(session.params, session.input.shape, found))
        self.feeds_line.show()

    def _cursor_changed(self) -> None:
        now = time.monotonic()
        resting = now - self._last_cursor_move > EXPLAIN_REST_S
        self._last_cursor_move = now
        if resting:
            self._explain_cursor()
        else:
            self._explain_soon()

    def _theme_changed(self, _theme: str) -> None:
        self._explain_cursor()

    def _hover_changed(self, term: Term | None) -> None:
        if self._view is not None:
            self._view.hover = term

    def _explain_cursor(self) -> None:
        document = self._document
        if document is None:
            return
        self._explain_soon.cancel()
        session = document.session
        cursor = session.cursor
        bias = session.bias if session.params.bias else None
        # The session's arrays are checked when they are made: only the cell is checked here.
        explanation = explain_checked(
            session.input, session.weight, bias, session.params, cursor.out_feature, cursor.position
        )
        self.show_explanation(explanation, session.params)

    # -- public --------------------------------------------------------------------------------
    def show_explanation(self, explanation: Explanation, params: ConvParams) -> None:
        """Write out how ``explanation``'s output value is made (``params``: the layer shown)."""
        self._explanation = explanation
        self._params = params
        self._render()

    def clear(self, message: str) -> None:
        """Show ``message`` instead of arithmetic, e.g. while the layer settings are invalid."""
        self._explanation = None
        self._params = None
        self._set_hovered(None)
        self._shown = {}
        self._ranges = None
        self.header.setText("")
        self.browser.setExtraSelections([])
        self.browser.setHtml(f"<p><i>{html.escape(message)}</i></p>")

    @property
    def explanation(self) -> Explanation | None:
        """The explanation on screen, or None while a message is shown."""
        return self._explanation

    @property
    def hovered_term(self) -> Term | None:
        return self._hovered

    def text(self) -> str:
        """What the panel shows, as plain text (header line first, then the reverse view's
        line when an input cell is selected)."""
        body = self.browser.toPlainText()
        if self.feeds_line.text():
            body = f"{self.feeds_line.text()}\n{body}"
        return f"{self.header.text()}\n{body}" if self.header.text() else body

    def shown_terms(self) -> dict[int, Term]:
        """The terms written out (not elided), by their index in ``explanation.terms``."""
        return dict(self._shown)

    def term_rect(self, index: int) -> QRect | None:
        """Where term ``index`` is drawn, in the browser viewport's coordinates (None if elided)."""
        span = self._anchor_ranges().get(_term_href(index))
        if span is None:
            return None
        start, end = span
        first = self._cursor_rect(start + 1 if end - start > 1 else start)
        last = self._cursor_rect(end)
        if last.top() != first.top():  # the term wraps: its first line is enough to point at
            return QRect(first.left(), first.top(), 6, first.height())
        return QRect(first.topLeft(), QPoint(last.right(), last.bottom())).normalized()

    def tooltip_at(self, pos: QPoint) -> str:
        """The tooltip for the text at ``pos`` (viewport coordinates): the term spelled out."""
        href = self.browser.anchorAt(pos)
        if href.startswith("t:"):
            term = self._shown.get(int(href[2:]))
            return self._describe(term) if term is not None else ""
        if href.startswith("f:") and self._explanation is not None:
            return self._describe_feature(int(href[2:]))
        return ""

    # -- rendering -----------------------------------------------------------------------------
    def _render(self) -> None:
        e, params = self._explanation, self._params
        if e is None or params is None:
            return
        self._set_hovered(None)
        self._ranges = None
        self.browser.setExtraSelections([])
        theme = theme_of(self)
        dim = role_color("padding", theme).name()
        text_colour = self.palette().text().color().name()
        self.browser.document().setDefaultStyleSheet(
            f"a {{ color: {text_colour}; text-decoration: none; }}"
            f" .pad {{ color: {dim}; }} .copy {{ font-style: italic; }} .note {{ color: {dim}; }}"
            " p { margin-top: 0px; margin-bottom: 2px; }"
            " p.sums { margin-top: 8px; } .partial { font-weight: 600; }"
        )
        self.header.setText(f"out feature {e.out_feature}, position {_position_text(e.position)}")
        every = self.every_term.isChecked()
        per = e.terms.per_feature
        features = len(e.in_features)
        if every:
            budget = MAX_ALL_TERMS
            rows = features
        else:
            budget = FEATURE_LINES * TERMS_PER_LINE
            rows = min(features, FEATURE_LINES)
        shown: dict[int, Term] = {}
        lines = []
        has_pad = has_copy = False
        for i in range(rows):
            limit = per if (every or per <= TERMS_PER_LINE) else ELIDED_LEAD
            limit = max(0, min(limit, budget))
            budget -= limit
            terms = e.terms.of_feature(i, limit) if limit else ()
            parts = []
            for k, term in enumerate(terms):
                index = i * per + k
                shown[index] = term
                if term.source_index is None:
                    css = "pad"
                    has_pad = True
                elif term.source_index != _inner(term, params):
                    css = "copy"
                    has_copy = True
                else:
                    css = ""
                body = f"{operand(term.input_value)}{MULTIPLY}{operand(term.weight_value)}"
                span = f'<span class="{css}">{body}</span>' if css else body
                parts.append(f'<a href="{_term_href(index)}">{span}</a>')
            hidden = per - len(terms)
            if hidden:
                parts.append(f'<span class="note">{ELLIPSIS}&nbsp;{hidden:,}&nbsp;more</span>')
            label = f'<a href="f:{i}">in&nbsp;{e.in_features[i]}</a>:'
            lines.append(
                f'<p class="line">{label}&nbsp; {" + ".join(parts)}'
                f' <span class="partial">=&nbsp;{html.escape(number(e.partial_sums[i]))}</span></p>'
            )
        if rows < features:
            rest = e.partial_sums[rows:]
            first, last = e.in_features[rows], e.in_features[-1]
            lines.append(
                f'<p class="line"><span class="note">{ELLIPSIS} {features - rows:,} more input '
                f"features (in {first} to in {last}), their partial sums add to</span>"
                f' <span class="partial">=&nbsp;{html.escape(number(sum(rest)))}</span></p>'
            )
        self._shown = shown
        # Paragraphs, not a table: Qt lays tables out several times slower, per cursor step.
        out = lines
        out.append(f'<p class="sums">{self._partial_sums_line(e)}</p>')
        if params.bias:
            out.append(f"<p>+ bias {html.escape(operand(e.bias))}</p>")
        else:
            out.append('<p class="note">no bias</p>')
        out.append(f"<p><b>= total {html.escape(number(e.total))}</b></p>")
        notes = []
        if has_pad:
            notes.append("dimmed: a zero from padding")
        if has_copy:
            notes.append(f"italic: a value copied by {params.padding_mode} padding")
        if notes:
            out.append(f'<p class="note">{" · ".join(notes)}</p>')
        self.browser.setHtml("".join(out))

    def _partial_sums_line(self, e: Explanation) -> str:
        sums = e.partial_sums
        if len(sums) == 1:
            return f"partial sum {html.escape(number(sums[0]))}"
        if len(sums) <= PARTIAL_SUMS_SHOWN:
            written = " + ".join(operand(s) for s in sums)
        else:
            lead = PARTIAL_SUMS_SHOWN - 2
            written = (
                " + ".join(operand(s) for s in sums[:lead])
                + f" + {ELLIPSIS} ({len(sums):,} in all) + "
                + operand(sums[-1])
            )
        return f"partial sums {html.escape(written)} = {html.escape(number(sum(sums)))}"

    # -- hovering ------------------------------------------------------------------------------
    def _link_highlighted(self, url: QUrl) -> None:
        href = url.toString()
        term = self._shown.get(int(href[2:])) if href.startswith("t:") else None
        self._set_hovered(term, href if term is not None else "")

    def _set_hovered(self, term: Term | None, href: str = "") -> None:
        if term is self._hovered and href == self._hovered_href:
            return
        self._hovered, self._hovered_href = term, href
        self._mark(href)
        self.term_hovered.emit(term)

    def _mark(self, href: str) -> None:
        """Shade the hovered term in the panel too, with the window's hover colour."""
        span = self._anchor_ranges().get(href) if href else None
        if span is None:
            self.browser.setExtraSelections([])
            return
        selection = QTextEdit.ExtraSelection()
        cursor = QTextCursor(self.browser.document())
        cursor.setPosition(span[0])
        cursor.setPosition(span[1], QTextCursor.MoveMode.KeepAnchor)
        selection.cursor = cursor
        fmt = QTextCharFormat()
        fmt.setBackground(highlight_fill("hover", theme_of(self)))
        selection.format = fmt
        self.browser.setExtraSelections([selection])

    def _anchor_ranges(self) -> dict[str, tuple[int, int]]:
        """Document ranges of every anchor, found once per rendering (only when needed)."""
        if self._ranges is None:
            ranges: dict[str, tuple[int, int]] = {}
            block = self.browser.document().begin()
            while block.isValid():
                it = block.begin()
                while not it.atEnd():
                    fragment = it.fragment()
                    href = fragment.charFormat().anchorHref()
                    if href:
                        end = fragment.position() + fragment.length()
                        start = ranges[href][0] if href in ranges else fragment.position()
                        ranges[href] = (start, end)
                    it += 1
                block = block.next()
            self._ranges = ranges
        return self._ranges

    def _cursor_rect(self, position: int) -> QRect:
        cursor = QTextCursor(self.browser.document())
        cursor.setPosition(position)
        return self.browser.cursorRect(cursor)

    # -- tooltips ------------------------------------------------------------------------------
    def _describe(self, term: Term) -> str:
        e, params = self._explanation, self._params
        assert e is not None and params is not None
        group_start = params.in_features_of(e.out_feature).start
        cell = _position_text(term.kernel_index)
        padded = _position_text(term.padded_index)
        if term.source_index is None:
            value = f"padding cell {padded} holds a zero ({params.padding_mode} padding)"
        elif term.source_index != _inner(term, params):
            value = (
                f"padding cell {padded} copies input cell {_position_text(term.source_index)} "
                f"({params.padding_mode} padding): {number(term.input_value)}"
            )
        else:
            value = f"input cell {_position_text(term.source_index)}: {number(term.input_value)}"
        return (
            f"input feature {term.in_feature}, {value}\n"
            f"× weight[{e.out_feature}, {term.in_feature - group_start}] at {cell}: "
            f"{number(term.weight_value)}\n"
            f"= {number(term.product)}"
        )

    def _describe_feature(self, i: int) -> str:
        e, params = self._explanation, self._params
        assert e is not None and params is not None
        f = e.in_features[i]
        group_start = params.in_features_of(e.out_feature).start
        return (
            f"input feature {f} times the kernel slice weight[{e.out_feature}, {f - group_start}]"
            f" ({e.terms.per_feature:,} products): partial sum {number(e.partial_sums[i])}"
        )


def _inner(term: Term, params: ConvParams) -> tuple[int, ...]:
    """The input cell a tap sits on when it is inside the input (padded index minus padding)."""
    return tuple(q - before for q, (before, _) in zip(term.padded_index, params.padding))
