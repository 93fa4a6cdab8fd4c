"""`manage.py load_demo`: demo data for development."""
