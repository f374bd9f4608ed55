"""The first-run welcome: a banner above the stage saying what to try, until dismissed.

A banner, not a dialog: it never blocks the window (or a screenshot), and the grids stay usable
around it. "Don't show again" records the dismissal in the preferences, so no later window shows
it; Help > Welcome Tips brings it back on demand.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from convstudio.session import SUFFIX, Session, SessionError, examples_dir, load_example
from convstudio.ui.state.preferences import Preferences

WELCOME_TITLE = "Welcome to ConvStudio"
#: What to try first, one short line each; shown two by two so the banner stays low.
WELCOME_TIPS: tuple[str, ...] = (
    "Scrub: drag the Position slider, or press Alt+Left/Right/Up/Down "
    "(Alt+PgUp/PgDown: output feature).",
    "Click an output cell: the input cells and weights that make it light up, "
    "and the sum is written out below.",
    "Type into any input, kernel or bias cell: the output follows (Ctrl+Z undoes).",
    "More steps of the lecture: File > Examples.",
)


class WelcomeBanner(QFrame):
    """The dismissible "what to try" panel shown at the top of the stage on first run."""

    #: Emitted once when the person chooses "Don't show again".
    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("WelcomeBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        # Palette roles rather than fixed colours: the banner follows the light and dark themes.
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.AlternateBase)
        self.setForegroundRole(QPalette.ColorRole.Text)

        self.title = QLabel(f"<b>{WELCOME_TITLE}</b> — a few things to try:")
        self.title.setObjectName("WelcomeTitle")
        self.tip_labels: list[QLabel] = []
        tips = QGridLayout()
        tips.setHorizontalSpacing(18)
        tips.setVerticalSpacing(2)
        for i, tip in enumerate(WELCOME_TIPS):
            label = QLabel(f"• {tip}")
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.PlainText)
            tips.addWidget(label, i // 2, i % 2)
            self.tip_labels.append(label)
        tips.setColumnStretch(0, 1)
        tips.setColumnStretch(1, 1)

        self.close_button = QPushButton("Don't show again")
        self.close_button.setObjectName("WelcomeDismiss")
        self.close_button.setToolTip("Hide these tips for good (Help > Welcome Tips shows them)")
        self.close_button.clicked.connect(self.dismiss)

        text = QVBoxLayout()
        text.setSpacing(3)
        text.addWidget(self.title)
        text.addLayout(tips)
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 5, 10, 5)
        row.addLayout(text, 1)
        row.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)

    def tips_text(self) -> str:
        """The tips as shown, one per line."""
        return "\n".join(label.text() for label in self.tip_labels)

    def dismiss(self) -> None:
        """Hide the banner and remember, in the preferences, never to show it again."""
        Preferences().set_welcome_dismissed(True)
        self.hide()
        self.dismissed.emit()

    def show_again(self) -> None:
        """Show the tips now (Help > Welcome Tips); the dismissal stays unless it is reset."""
        self.show()


def install_welcome(window: QMainWindow, preferences: Preferences | None = None) -> WelcomeBanner:
    """Put a welcome banner above ``window``'s central widget, visible unless dismissed before.

    The central widget is wrapped (not replaced), so ``window.stage`` and its signals are unchanged.
    """
    preferences = preferences if preferences is not None else Preferences()
    banner = WelcomeBanner()
    central = window.takeCentralWidget()
    container = QWidget()
    container.setObjectName("StageWithWelcome")
    layout = QVBoxLayout(container)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    layout.addWidget(banner)
    if central is not None:
        layout.addWidget(central, 1)
    window.setCentralWidget(container)
    banner.setVisible(not preferences.welcome_dismissed())
    return banner


def first_run_session(preferences: Preferences | None = None) -> Session | None:
    """The first lecture example while the welcome is still shown (a first run), else None.

    None means "the window's usual start": after the welcome is dismissed, and when the examples
    are missing or unreadable (a broken install must still open a window).
    """
    preferences = preferences if preferences is not None else Preferences()
    if preferences.welcome_dismissed():
        return None
    try:
        files = sorted(examples_dir().glob("*" + SUFFIX))
        return load_example(files[0].stem) if files else None
    except (FileNotFoundError, SessionError):
        return None
