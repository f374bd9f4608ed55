"""The editable grid widget and its 1D/2D views."""
