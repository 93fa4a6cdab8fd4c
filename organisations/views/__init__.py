"""Views of the organisations app, one module per audience (see organisations/urls.py)."""
