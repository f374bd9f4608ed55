"""Files: open, save, recent files, autosave and crash recovery."""
