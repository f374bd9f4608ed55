"""The side panels: layer settings, kernels, arithmetic, the scrub bar and the notes bar."""
