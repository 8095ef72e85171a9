"""Reads of a shop's install: whether and since when it has the app, the whole
integration's status (`GET /api/status`), and how many shops are installed. Like
`storage/repository.py`, each function takes a session whose transaction the caller owns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import NotificationRecord, Shop, ShopSession
from storage.repository import offline_session_id

__all__ = [
    "Installation",
    "ShopStatus",
    "count_installed",
    "installation",
    "is_installed",
    "shop_status",
]


@dataclass(frozen=True)
class ShopStatus:
    """What the record holds about a shop's integration (None where it holds nothing)."""

    installed_at: datetime | None
    uninstalled_at: datetime | None
    scope: str | None
    api_version: str | None
    token_expires_at: datetime | None
    refresh_token_expires_at: datetime | None
    notifications: int  # recorded since the given time
    last_notification_at: datetime | None


async def shop_status(session: AsyncSession, *, shop: str, since: datetime) -> ShopStatus:
    """The shop's install, its offline token's expiry and its recent notifications."""
    installed = (
        await session.execute(
            select(Shop.installed_at, Shop.uninstalled_at, Shop.scope, Shop.api_version).where(
                Shop.domain == shop
            )
        )
    ).one_or_none()
    token = (
        await session.execute(
            select(ShopSession.expires, ShopSession.refresh_token_expires).where(
                ShopSession.id == offline_session_id(shop)
            )
        )
    ).one_or_none()
    recent, last = (
        await session.execute(
            select(
                func.count().filter(NotificationRecord.occurred_at >= since),
                func.max(NotificationRecord.occurred_at),
            ).where(NotificationRecord.shop == shop)
        )
    ).one()
    return ShopStatus(
        installed_at=installed.installed_at if installed else None,
        uninstalled_at=installed.uninstalled_at if installed else None,
        scope=installed.scope if installed else None,
        api_version=installed.api_version if installed else None,
        token_expires_at=token.expires if token else None,
        refresh_token_expires_at=token.refresh_token_expires if token else None,
        notifications=int(recent),
        last_notification_at=last,
    )


async def count_installed(session: AsyncSession) -> int:
    """How many shops have the app installed now."""
    query = select(func.count()).select_from(Shop).where(Shop.uninstalled_at.is_(None))
    return int((await session.execute(query)).scalar_one())


async def is_installed(session: AsyncSession, *, shop: str) -> bool:
    """Whether the shop has installed the app and not uninstalled it since."""
    query = select(Shop.domain).where(Shop.domain == shop, Shop.uninstalled_at.is_(None))
    return (await session.execute(query)).first() is not None


@dataclass(frozen=True)
class Installation:
    """A shop that installed the app: its widget key, and whether it uninstalled since."""

    widget_key: str
    uninstalled: bool


async def installation(session: AsyncSession, *, shop: str) -> Installation | None:
    """The shop's installation, or None when it never installed (or was redacted)."""
    query = select(Shop.widget_public_key, Shop.uninstalled_at).where(Shop.domain == shop)
    row = (await session.execute(query)).one_or_none()
    if row is None:
        return None
    return Installation(
        widget_key=row.widget_public_key, uninstalled=row.uninstalled_at is not None
    )
