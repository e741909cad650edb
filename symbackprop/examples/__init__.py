"""Built-in example specs, usable by name (symbackprop examples)."""
