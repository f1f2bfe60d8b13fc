"""Lambda handlers, one package per domain. Each ``<domain>/app.py`` exposes ``handler``."""
