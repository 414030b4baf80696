"""What the pool shares: hubs, categories with their booking rules, assets, maintenance windows."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Enum,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fleet.core.db import Base, UTCDateTime, utcnow


class CategoryKind(str, enum.Enum):
    tool = "tool"
    machine = "machine"
    vehicle = "vehicle"


class AssetStatus(str, enum.Enum):
    active = "active"
    maintenance = "maintenance"
    retired = "retired"


class MeterUnit(str, enum.Enum):
    km = "km"
    hours = "hours"


class Hub(Base):
    """A place where assets are kept and handed over; its zone drives display and opening hours."""

    __tablename__ = "hub"

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("pool.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))  # unique inside its pool
    address: Mapped[str] = mapped_column(String(300), default="")
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    timezone: Mapped[str] = mapped_column(String(64))
    # Weekly opening hours as text ("24/7" or "Mon-Fri 08:00-18:00; Sat 09:00-13:00"), see fleet.core.opening_hours.
    opening_hours: Mapped[str] = mapped_column(String(300), default="24/7")
    retired: Mapped[bool] = mapped_column(Boolean, default=False)

    assets: Mapped[list["Asset"]] = relationship(back_populates="hub")
    pool: Mapped["Pool"] = relationship()  # noqa: F821 (fleet.models.pools)

    __table_args__ = (
        UniqueConstraint("pool_id", "name", name="uq_hub_pool_id_name"),
        CheckConstraint("lat BETWEEN -90 AND 90", name="lat_range"),
        CheckConstraint("lon BETWEEN -180 AND 180", name="lon_range"),
    )


class Category(Base):
    """A kind of asset and the booking rules that go with it."""

    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("pool.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))  # unique inside its pool
    kind: Mapped[CategoryKind] = mapped_column(Enum(CategoryKind, native_enum=False, length=20))
    description: Mapped[str] = mapped_column(Text, default="")
    min_duration_minutes: Mapped[int] = mapped_column(Integer, default=30)
    max_duration_minutes: Mapped[int] = mapped_column(Integer, default=7 * 24 * 60)
    min_notice_minutes: Mapped[int] = mapped_column(Integer, default=0)
    max_advance_days: Mapped[int] = mapped_column(Integer, default=90)
    approval_required: Mapped[bool] = mapped_column(Boolean, default=False)
    # Fair share: hours per member per week before their flexible requests lose priority (None: no quota).
    weekly_quota_hours: Mapped[int | None] = mapped_column(Integer)
    # Capability names and their types for this category: {"seats": "number", "towbar": "bool", ...}.
    capability_schema: Mapped[dict] = mapped_column(JSON, default=dict)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    # Handover: only a coordinator checks these out and in (a tractor), or the member themselves (a drill).
    handover_by_coordinator: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # A booking not checked out this long after its start is released as a no-show (None: never released).
    no_show_grace_minutes: Mapped[int | None] = mapped_column(Integer)
    # The condition checklist at check-out and check-in, one item per line ("clean", "battery charged").
    condition_checklist: Mapped[str] = mapped_column(String(1000), default="", server_default="")

    # The name in other languages, by language code ({"fr": "Vélos cargo"}); `name` is the default.
    name_translations: Mapped[dict | None] = mapped_column(JSON)

    assets: Mapped[list["Asset"]] = relationship(back_populates="category")
    pool: Mapped["Pool"] = relationship()  # noqa: F821 (fleet.models.pools)

    def name_in(self, language: str | None) -> str:
        return name_for_language(self.name, self.name_translations, language)

    @property
    def checklist_items(self) -> list[str]:
        return [line.strip() for line in (self.condition_checklist or "").splitlines() if line.strip()]

    __table_args__ = (
        UniqueConstraint("pool_id", "name", name="uq_category_pool_id_name"),
        CheckConstraint("min_duration_minutes > 0", name="min_duration_positive"),
        CheckConstraint("max_duration_minutes >= min_duration_minutes", name="max_duration_ge_min"),
        CheckConstraint("min_notice_minutes >= 0", name="min_notice_nonnegative"),
        CheckConstraint("max_advance_days > 0", name="max_advance_positive"),
        CheckConstraint("no_show_grace_minutes IS NULL OR no_show_grace_minutes >= 0", name="grace_nonnegative"),
    )


def name_for_language(name: str, translations: dict | None, language: str | None) -> str:
    """A category's name for a reader of `language` ("fr", "de-CH"), falling back to the default name."""
    code = (language or "").split("-")[0].split("_")[0].lower()
    return (translations or {}).get(code) or name


class Asset(Base):
    """One bookable thing: a drill, a tractor, a car, a cargo bike."""

    __tablename__ = "asset"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    # How to use it and get at it ("the key is in the key safe"): shown to signed-in members on its page.
    use_instructions: Mapped[str] = mapped_column(Text, default="", server_default="")
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("hub.id"), index=True)
    capabilities: Mapped[dict] = mapped_column(JSON, default=dict)
    # What it is inside its category ("jigsaw", "band saw", a car model); "" when not given. Requests may
    # ask for a type; matching ignores case and surrounding spaces (scheduling/capabilities.py).
    asset_type: Mapped[str] = mapped_column(String(80), default="", server_default="")
    status: Mapped[AssetStatus] = mapped_column(
        Enum(AssetStatus, native_enum=False, length=20), default=AssetStatus.active
    )
    design_url: Mapped[str] = mapped_column(String(500), default="")
    design_licence: Mapped[str] = mapped_column(String(120), default="")
    # Money in integer minor units with its currency, never floats.
    purchase_cost_minor: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    purchase_date: Mapped[date | None] = mapped_column(Date)
    meter_unit: Mapped[MeterUnit | None] = mapped_column(Enum(MeterUnit, native_enum=False, length=10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    category: Mapped[Category] = relationship(back_populates="assets")
    hub: Mapped[Hub] = relationship(back_populates="assets")
    maintenance_windows: Mapped[list["MaintenanceWindow"]] = relationship(
        back_populates="asset", order_by="MaintenanceWindow.start_at"
    )
    photos: Mapped[list["AssetPhoto"]] = relationship(
        back_populates="asset", order_by="(AssetPhoto.position, AssetPhoto.id)"
    )

    __table_args__ = (
        CheckConstraint("purchase_cost_minor IS NULL OR purchase_cost_minor >= 0", name="cost_nonnegative"),
    )


class AssetPhoto(Base):
    """A picture of an asset for the catalogue: the re-encoded photo and a small copy for result lists, both
    stored under generated names (fleet.booking.asset_photos)."""

    __tablename__ = "asset_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(40), unique=True)
    thumb_name: Mapped[str] = mapped_column(String(40), unique=True)
    # What the photo shows, for people who cannot see it ("" when the asset's name says enough).
    alt_text: Mapped[str] = mapped_column(String(200), default="", server_default="")
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    asset: Mapped[Asset] = relationship(back_populates="photos")


class MaintenanceWindow(Base):
    """A period when an asset cannot be booked (service, repair, inspection)."""

    __tablename__ = "maintenance_window"

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id"), index=True)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(300), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    asset: Mapped[Asset] = relationship(back_populates="maintenance_windows")

    __table_args__ = (CheckConstraint("end_at > start_at", name="end_after_start"),)
