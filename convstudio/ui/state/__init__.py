"""The window's state and its plumbing, below every view: the undoable session document and its
commands, the worker thread that computes the output from it, the preferences kept between runs,
and ``follow`` (a widget following the view state's signals for as long as it lives)."""
