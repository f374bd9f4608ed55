"""The application shell: the QApplication, the main window with its menus, help and first-run
tips."""
