"""dgti-data: DGA Local Digital raw exports → normalised, anonymised, validated open data on CKAN."""

__version__ = "0.1.0"
