"""The PySide6 + pyqtgraph user interface: views and controllers over the session."""
