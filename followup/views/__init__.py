"""Views of the follow-up app, one module per audience (see followup/urls.py)."""
