"""The columns every stored file keeps (deal attachments, organization documents,
brokerage record files, proposal files): checked and stored by core/uploads.py outside
the web root under a random key, never under the name the user chose."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.models.types import TZDateTime, utcnow


class StoredFile:
    """Mixin: the clean file name, the type its content was checked to be, its size and
    SHA-256, the storage key (unique), and when it was stored."""

    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
