"""ORM models. Import from here: `from fleet.models import Asset, Booking`."""
from fleet.core.db import Base, metadata
from fleet.models.members import LoginAttempt, Member, Role
from fleet.models.catalogue import Asset, AssetStatus, Category, CategoryKind, Hub, MaintenanceWindow, MeterUnit
from fleet.models.bookings import HOLDING_STATUSES, Booking, BookingStatus
from fleet.models.api import ApiToken, IdempotencyKey
from fleet.models.impact import CategoryImpactFactors
from fleet.models.flexible import FlexibleRequest, Notification, OptimiserRun, RequestStatus, RunStatus
from fleet.models.costs import CategoryFee, CostKind, CostRecord, LedgerEntry, LedgerKind, PlanningRun, PlanningStatus
from fleet.models.handover import (
    BookingSeries, DamageReport, DamageStatus, Handover, HandoverKind, NotificationPreference,
)

__all__ = [
    "Base", "metadata", "Member", "Role", "LoginAttempt", "Hub", "Category", "CategoryKind", "Asset",
    "AssetStatus", "MeterUnit", "MaintenanceWindow", "Booking", "BookingStatus", "HOLDING_STATUSES", "ApiToken", "IdempotencyKey",
    "CategoryImpactFactors",
    "FlexibleRequest", "RequestStatus", "OptimiserRun", "RunStatus", "Notification",
    "CostRecord", "CostKind", "CategoryFee", "LedgerEntry", "LedgerKind", "PlanningRun", "PlanningStatus",
    "Handover", "HandoverKind", "DamageReport", "DamageStatus", "BookingSeries", "NotificationPreference",
]
