"""Key rotation: re-encrypt every stored secret under the newest key, in batches; safe to re-run."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select

from storage.cipher import TokenCipher
from storage.database import Database
from storage.models import ENCRYPTED_COLUMNS


@dataclass
class RotationReport:
    examined: int = 0
    rotated: int = 0


async def rotate_keys(database: Database, cipher: TokenCipher, *, batch_size: int = 200) -> RotationReport:
    """Walk each encrypted column by primary key; each batch commits on its own, so an interruption loses
    nothing and a re-run only touches what is not yet under the newest key."""
    report = RotationReport()
    for model, column_name in ENCRYPTED_COLUMNS:
        column = getattr(model, column_name)
        primary_key = model.__mapper__.primary_key[0]  # type: ignore[attr-defined]
        last_id = None
        while True:
            async with database.session() as session:
                query = select(model).where(col(column).is_not(None)).order_by(primary_key).limit(batch_size)
                if last_id is not None:
                    query = query.where(primary_key > last_id)
                rows = list((await session.exec(query)).all())
                if not rows:
                    break
                for row in rows:
                    report.examined += 1
                    value = getattr(row, column_name)
                    if not cipher.is_current(value):
                        setattr(row, column_name, cipher.rotate(value))
                        session.add(row)
                        report.rotated += 1
                await session.commit()
                last_id = getattr(rows[-1], primary_key.name)
    return report
