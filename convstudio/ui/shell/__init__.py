"""The application shell: the QApplication, the main window with its menus, help, first-run tips
and preferences."""
