"""The domain of the pool, in layers; each subpackage imports only those before it (docs/architecture.md):
core -> models -> members -> catalogue -> booking -> allocation -> reporting -> feeds -> demo. Never imports flask."""
