"""Data sets: generated 2-D sets for the backprop page, and the bundled real data."""
