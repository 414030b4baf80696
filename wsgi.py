"""Entry point for gunicorn: `gunicorn wsgi:app`."""
import gc

from app import create_app

app = create_app()
# What starting the app made (modules, the mapper, compiled statements) lives as long as the process. Frozen out of
# the cyclic collector's sight, the full collection every few hundred requests no longer walks it all: about 0.2 s
# each at ten times the demo, some 0.5-1 ms a request on average (bench/README.md, "In process").
gc.collect()
gc.freeze()
