"""Management commands of the organisations app."""
