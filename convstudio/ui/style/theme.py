"""Light and dark themes: the Fusion style with one explicit QPalette each, following the system.

Why explicit palettes: Fusion's own palette depends on the platform (and, from Qt 6.5, on the
desktop's colour scheme), so the same choice would look different from machine to machine, and the
grid colours in ``convstudio.ui.style.palette`` are tuned against these window and base colours.

The person chooses "system", "light" or "dark" (View > Theme); "system" follows
``QStyleHints.colorScheme()`` and changes with the desktop. Every change sets the application
palette (so every widget gets a ``PaletteChange`` event and ``palette.theme_of(widget)`` answers
the new theme) and emits :attr:`ThemeController.theme_changed` with "light" or "dark" for views
that cache colours (lookup tables, pyqtgraph backgrounds) to refresh them.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QMenu, QWidget

from convstudio.ui.state.preferences import THEME_CHOICES, Preferences

#: Effective themes (what "system" resolves to).
THEMES: tuple[str, ...] = ("light", "dark")
STYLE = "Fusion"

_Role = QPalette.ColorRole
_Group = QPalette.ColorGroup

_LIGHT = {
    _Role.Window: "#EFEFEF",
    _Role.WindowText: "#141414",
    _Role.Base: "#FFFFFF",
    _Role.AlternateBase: "#F5F5F5",
    _Role.ToolTipBase: "#FFFFE8",
    _Role.ToolTipText: "#141414",
    _Role.PlaceholderText: "#6E6E6E",
    _Role.Text: "#141414",
    _Role.Button: "#E8E8E8",
    _Role.ButtonText: "#141414",
    _Role.BrightText: "#FFFFFF",
    _Role.Light: "#FFFFFF",
    _Role.Midlight: "#D6D6D6",
    _Role.Mid: "#6E6E6E",
    _Role.Dark: "#9F9F9F",
    _Role.Shadow: "#767676",
    _Role.Highlight: "#0A64A4",
    _Role.HighlightedText: "#FFFFFF",
    _Role.Link: "#0A58CA",
    _Role.LinkVisited: "#7A3FB0",
}
_LIGHT_DISABLED = {
    _Role.WindowText: "#8C8C8C",
    _Role.Text: "#8C8C8C",
    _Role.ButtonText: "#8C8C8C",
    _Role.Base: "#F2F2F2",
    _Role.Highlight: "#A0A0A0",
}

_DARK = {
    _Role.Window: "#2B2B2B",
    _Role.WindowText: "#E8E8E8",
    _Role.Base: "#1C1C1C",
    _Role.AlternateBase: "#262626",
    _Role.ToolTipBase: "#3A3A3A",
    _Role.ToolTipText: "#E8E8E8",
    _Role.PlaceholderText: "#9A9A9A",
    _Role.Text: "#E8E8E8",
    _Role.Button: "#363636",
    _Role.ButtonText: "#E8E8E8",
    _Role.BrightText: "#FFFFFF",
    _Role.Light: "#505050",
    _Role.Midlight: "#424242",
    _Role.Mid: "#A0A0A0",
    _Role.Dark: "#1A1A1A",
    _Role.Shadow: "#0D0D0D",
    _Role.Highlight: "#2F6EA8",
    _Role.HighlightedText: "#FFFFFF",
    _Role.Link: "#7CB8FF",
    _Role.LinkVisited: "#C59BF0",
}
_DARK_DISABLED = {
    _Role.WindowText: "#7A7A7A",
    _Role.Text: "#7A7A7A",
    _Role.ButtonText: "#7A7A7A",
    _Role.Base: "#242424",
    _Role.Highlight: "#4A4A4A",
}


def _palette(
    active: dict[QPalette.ColorRole, str], disabled: dict[QPalette.ColorRole, str]
) -> QPalette:
    palette = QPalette()
    for role, colour in active.items():
        palette.setColor(role, QColor(colour))
    if hasattr(_Role, "Accent"):  # Qt 6.6+: used by Fusion for checked indicators and focus
        palette.setColor(_Role.Accent, QColor(active[_Role.Highlight]))
    for role, colour in disabled.items():
        palette.setColor(_Group.Disabled, role, QColor(colour))
    return palette


def light_palette() -> QPalette:
    """The light theme's palette (dark text on near-white)."""
    return _palette(_LIGHT, _LIGHT_DISABLED)


def dark_palette() -> QPalette:
    """The dark theme's palette (light text on near-black)."""
    return _palette(_DARK, _DARK_DISABLED)


def palette_for(theme: str) -> QPalette:
    if theme == "light":
        return light_palette()
    if theme == "dark":
        return dark_palette()
    raise ValueError(f"unknown theme {theme!r}: expected one of {', '.join(THEMES)}")


def system_theme() -> str:
    """What the desktop asks for: "dark" when its colour scheme is dark, else "light"."""
    app = QGuiApplication.instance()
    if app is None:
        return "light"
    scheme = QGuiApplication.styleHints().colorScheme()
    return "dark" if scheme == Qt.ColorScheme.Dark else "light"


def resolve(choice: str) -> str:
    """The effective theme ("light" or "dark") for a choice in :data:`THEME_CHOICES`."""
    if choice == "system":
        return system_theme()
    if choice in THEMES:
        return choice
    raise ValueError(f"unknown theme {choice!r}: expected one of {', '.join(THEME_CHOICES)}")


class ThemeController(QObject):
    """Applies the chosen theme to the application and tells views when the effective one changes.

    One per application (see :func:`theme_controller`); windows share it, so switching the theme in
    one window switches all of them, as the palette is application-wide anyway.
    """

    #: The effective theme, "light" or "dark", after a change.
    theme_changed = Signal(str)
    #: The person's choice, "system", "light" or "dark", after a change.
    choice_changed = Signal(str)

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.setObjectName("ConvStudioThemeController")
        self._app = app
        self._choice = "system"
        self._theme: str | None = None
        self._applying = False
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._system_scheme_changed)

    def choice(self) -> str:
        return self._choice

    def theme(self) -> str:
        """The effective theme now applied ("light" or "dark")."""
        return self._theme if self._theme is not None else resolve(self._choice)

    def load(self) -> str:
        """Apply the theme saved in the preferences (at start-up); returns the effective theme."""
        self.set_choice(Preferences().theme(), persist=False, force=True)
        return self.theme()

    def set_choice(self, choice: str, *, persist: bool = True, force: bool = False) -> None:
        """Switch to ``choice`` ("system", "light" or "dark"), remembering it unless told not to."""
        if choice not in THEME_CHOICES:
            raise ValueError(
                f"unknown theme {choice!r}: expected one of {', '.join(THEME_CHOICES)}"
            )
        changed_choice = choice != self._choice
        self._choice = choice
        if persist:
            Preferences().set_theme(choice)
        self._apply(force=force)
        if changed_choice or force:
            self.choice_changed.emit(choice)

    def _system_scheme_changed(self, _scheme: object = None) -> None:
        if self._choice == "system" and not self._applying:
            self._apply()

    def _apply(self, *, force: bool = False) -> None:
        self._applying = True
        try:
            hints = QGuiApplication.styleHints()
            # Qt 6.8+: tell the platform too, so native title bars and dialogs match the app.
            if self._choice == "system":
                if hasattr(hints, "unsetColorScheme"):
                    hints.unsetColorScheme()
            elif hasattr(hints, "setColorScheme"):
                hints.setColorScheme(
                    Qt.ColorScheme.Dark if self._choice == "dark" else Qt.ColorScheme.Light
                )
            theme = resolve(self._choice)
            if self._app.style().name().lower() != STYLE.lower():
                self._app.setStyle(STYLE)
            if force or theme != self._theme:
                self._app.setPalette(palette_for(theme))
                # Qt posts the palette change to the widgets; deliver it now, so that every widget
                # (and every view reading its palette in a theme_changed slot) has the new colours.
                QCoreApplication.sendPostedEvents(None, QEvent.Type.ApplicationPaletteChange)
                shown = _shown_widgets(self._app)
                _refresh_style_sheets(shown)
                _announce_settled_palette(shown)
                self._theme = theme
                self.theme_changed.emit(theme)
        finally:
            self._applying = False


def _shown_widgets(app: QApplication) -> list[QWidget]:
    """The widgets of the windows on screen, hidden docks and panels included.

    Closed windows are left out: a switch costs a fraction of a second per open window, and
    windows that were closed (but not yet deleted) would multiply it for nothing.
    """
    widgets: list[QWidget] = []
    for top in app.topLevelWidgets():
        if top.isVisible():
            widgets.append(top)
            widgets.extend(top.findChildren(QWidget))
    return widgets


def _refresh_style_sheets(widgets: list[QWidget]) -> None:
    """Re-polish widgets that carry a style sheet so they take the new palette.

    Qt does not pass an application palette change on to widgets styled by a style sheet (nor to
    their children): a card with a border rule would keep its grids in the old theme. Setting the
    same sheet again re-resolves their palettes.
    """
    for widget in widgets:
        sheet = widget.styleSheet()
        if sheet:
            widget.setStyleSheet(sheet)


def _announce_settled_palette(widgets: list[QWidget]) -> None:
    """Send every widget one more PaletteChange now that all palettes hold the new theme.

    Qt delivers the change to a parent before its children are updated, so a container that reads
    its children's palettes when told (the grid views refresh their cell colours that way) would
    read the old theme. A theme switch is rare; a second, settled notice is cheap and makes every
    such refresh see the final colours.
    """
    for widget in widgets:
        QCoreApplication.sendEvent(widget, QEvent(QEvent.Type.PaletteChange))


def theme_controller(app: QApplication | None = None) -> ThemeController:
    """The application's theme controller, created on first use."""
    found = app if app is not None else QApplication.instance()
    if not isinstance(found, QApplication):
        raise RuntimeError("the theme needs a QApplication: create one first")
    existing = found.findChild(ThemeController, "ConvStudioThemeController")
    return existing if existing is not None else ThemeController(found)


_CHOICE_TEXT = {
    "system": ("&System", "Follow the desktop's light or dark setting"),
    "light": ("&Light", "Dark text on a light background"),
    "dark": ("&Dark", "Light text on a dark background"),
}


class _ThemeActions(QActionGroup):
    """The exclusive System / Light / Dark actions; a QObject, so the controller's connection to it
    ends with the menu (windows come and go, the controller stays)."""

    def __init__(self, parent: QMenu, controller: ThemeController) -> None:
        super().__init__(parent)
        self.actions_by_choice: dict[str, QAction] = {}
        for choice in THEME_CHOICES:
            text, tip = _CHOICE_TEXT[choice]
            action = QAction(text, parent, checkable=True)
            action.setObjectName(f"theme_{choice}")
            action.setStatusTip(tip)
            action.setChecked(choice == controller.choice())
            action.triggered.connect(lambda _checked=False, c=choice: controller.set_choice(c))
            self.addAction(action)
            parent.addAction(action)
            self.actions_by_choice[choice] = action
        controller.choice_changed.connect(self.check)

    def check(self, choice: str) -> None:
        self.actions_by_choice[choice].setChecked(True)


def add_theme_menu(parent: QMenu, controller: ThemeController | None = None) -> dict[str, QAction]:
    """Add View > Theme (System / Light / Dark, one checked) to ``parent``; returns the actions."""
    controller = controller if controller is not None else theme_controller()
    menu = parent.addMenu("&Theme")
    menu.setObjectName("ThemeMenu")
    return _ThemeActions(menu, controller).actions_by_choice
