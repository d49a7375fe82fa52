"""The open data: a read-only JSON API of what the portal has published, for anyone.

Routed at /api/v1/ (`urls.py`), documented by an OpenAPI schema at /api/v1/schema/ and a
browsable page at /api/v1/docs/ (`schema.py` holds the description). What it shows is the
rule of `published.py`; how a reuser polls cheaply is `versie.py`.
"""
