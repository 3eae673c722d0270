"""dgti-data hub plugin (see plugin.py)."""
