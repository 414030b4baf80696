"""Who may do what. Object-level checks live with the services that load the objects."""
from fleet.core.errors import Forbidden
from fleet.models import Member


def require_coordinator(actor: Member) -> None:
    if actor is None or not actor.active or not actor.is_coordinator:
        raise Forbidden("Only coordinators can do that.")
