"""The window's state: the undoable session document, its commands, and the worker thread that
computes the output from it."""
