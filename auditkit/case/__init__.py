"""One audit case: its inputs read once and its results computed on demand (layer 6)."""
