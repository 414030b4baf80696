"""ORM models, one module per aggregate. Import from here: `from fleet.models import Asset, Booking`."""
from fleet.core.db import Base, metadata
from fleet.models.allocation import (
    FlexibleRequest,
    OptimiserRun,
    RequestStatus,
    RunStatus,
)
from fleet.models.bookings import (
    HOLDING_STATUSES,
    Booking,
    BookingSeries,
    BookingStatus,
    DamageReport,
    DamageStatus,
    Handover,
    HandoverKind,
)
from fleet.models.catalogue import (
    Asset,
    AssetPhoto,
    AssetStatus,
    Category,
    CategoryKind,
    Hub,
    MaintenanceWindow,
    MeterUnit,
)
from fleet.models.eligibility import (
    AccessSettings,
    CategoryLimits,
    CategoryQualification,
    Qualification,
    QualificationGrant,
)
from fleet.models.federation import (
    InstallationKey,
    Partner,
    PartnerBooking,
    PartnerStatus,
    RemoteBooking,
    RemoteBookingStatus,
    RemoteItem,
    SeenNonce,
)
from fleet.models.fleet_plans import PlanningRun, PlanningStatus
from fleet.models.governance import (
    AppliedChange,
    CommentRevision,
    DecisionMethod,
    Electorate,
    GovernanceRules,
    PlannedAcquisition,
    Proposal,
    ProposalComment,
    ProposalKind,
    ProposalStatus,
    ProposalVoter,
    Vote,
    VoteChoice,
)
from fleet.models.impact import CategoryImpactFactors
from fleet.models.ledger import (
    CostKind,
    CostRecord,
    LedgerEntry,
    LedgerKind,
)
from fleet.models.owners import (
    ApprovalMode,
    AvailabilityException,
    AvailabilityWindow,
    ExceptionKind,
    HandoverConfirmation,
    OwnedItem,
    OwnerReimbursement,
    OwnerShareBounds,
)
from fleet.models.pools import DEFAULT_POOL_SLUG, Pool, PoolMembership, PoolRole
from fleet.models.agreements import AgreementStatus, LendingAgreement, lending_agreement_category
from fleet.models.tariffs import BookingPrice, Tariff
from fleet.models.members import (
    ApiToken,
    IdempotencyKey,
    LoginThrottle,
    Member,
    Notification,
    NotificationPreference,
    OutgoingMail,
    Role,
    SignupRequest,
)

__all__ = [
    "Base", "metadata", "Pool", "LendingAgreement", "AgreementStatus", "lending_agreement_category", "PoolMembership", "PoolRole", "DEFAULT_POOL_SLUG", "Member", "Role", "LoginThrottle", "Hub", "Category", "CategoryKind", "Asset", "AssetPhoto",
    "AssetStatus", "MeterUnit", "MaintenanceWindow", "Booking", "BookingStatus", "HOLDING_STATUSES", "ApiToken", "IdempotencyKey",
    "CategoryImpactFactors",
    "FlexibleRequest", "RequestStatus", "OptimiserRun", "RunStatus", "Notification",
    "CostRecord", "CostKind", "Tariff", "BookingPrice", "LedgerEntry", "LedgerKind", "PlanningRun", "PlanningStatus",
    "Handover", "HandoverKind", "DamageReport", "DamageStatus", "BookingSeries", "NotificationPreference",
    "SignupRequest", "OutgoingMail",
    "GovernanceRules", "Proposal", "ProposalKind", "ProposalStatus", "ProposalVoter", "Vote", "VoteChoice",
    "ProposalComment", "CommentRevision", "PlannedAcquisition", "AppliedChange", "DecisionMethod", "Electorate",
    "OwnedItem", "ApprovalMode", "AvailabilityWindow", "AvailabilityException", "ExceptionKind", "OwnerShareBounds",
    "HandoverConfirmation", "OwnerReimbursement",
    "InstallationKey", "Partner", "PartnerStatus", "PartnerBooking", "RemoteBooking", "RemoteBookingStatus",
    "RemoteItem", "SeenNonce",
    "Qualification", "CategoryQualification", "QualificationGrant", "CategoryLimits", "AccessSettings",
]
