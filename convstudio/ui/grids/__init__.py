"""The editable grid widget and its 1D/2D views.

``GridView`` is the one widget for every input, kernel, bias and output grid: numbers in a table
for small grids, a zoomable colour map for large ones, padding drawn as ghost cells, highlights as
overlays. The colour-map view (pyqtgraph) is imported only when a grid first needs it.
"""

from convstudio.ui.grids.grid_view import GridView

__all__ = ["GridView"]
