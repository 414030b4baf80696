"""The capability and type rules of the pool: the optimiser's own (scheduling/capabilities.py), so that an
instant answer and a batch run never judge the same request differently."""
from scheduling.capabilities import capabilities_hold, capability_matches, normalise_text, type_matches

__all__ = ["capabilities_hold", "capability_matches", "normalise_text", "type_matches"]
