"""Pictures of the stage (PNG, SVG, animated GIF, PNG frames) and the window's In/Out menus."""
