"""The editable grid widget and its 1D/2D views.

``GridView`` is the one widget for every input, kernel, bias and output grid: numbers in a table
for small grids, a zoomable colour map for large ones, padding drawn as ghost cells, highlights as
overlays. The colour-map view (pyqtgraph) is imported only when a grid first needs it.
"""

import threading

from convstudio.ui.grids.grid_view import GridView


def preload_colours_view() -> None:
    """Import the colour-map view (and pyqtgraph) in a background thread, once.

    The import takes one to three seconds here; made by the first big grid on the GUI thread, it
    froze the window that long. Imported ahead, in a thread, the window keeps answering (the import
    is Python code, which gives the GUI thread its turns); a grid that needs the view before the
    import ends waits only for the rest of it.
    """
    global _preloading
    if _preloading is None:
        _preloading = threading.Thread(target=_import_colours, name="convstudio-preload")
        _preloading.daemon = True
        _preloading.start()


def _import_colours() -> None:
    import convstudio.ui.grids.colours_view  # noqa: F401


_preloading: threading.Thread | None = None

__all__ = ["GridView", "preload_colours_view"]
