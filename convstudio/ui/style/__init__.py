"""Colours and themes: the palette every view draws with, and the light/dark theme switch."""
