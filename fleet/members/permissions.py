"""Who may do what. Object-level checks live with the services that load the objects."""
from fleet.core.errors import Forbidden
from fleet.models import Member


def require_coordinator(actor: Member) -> None:
    if actor is None or not actor.active or not actor.is_coordinator:
        raise Forbidden("Only coordinators can do that.")


def require_admin(actor: Member) -> None:
    """What belongs to the whole installation rather than one pool (partner installations, pools themselves)."""
    if actor is None or not actor.active or not actor.is_admin:
        raise Forbidden("Only the installation's administrator can do that.")
