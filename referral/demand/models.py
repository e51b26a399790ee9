"""Demand lists and their imports (docs/domain.md#demand-data).

A listed person is a keyed hash of their 身份证号 (``referral/id_hash.py``), the county that lists them, the
date they were listed and the import that first named them — nothing else: not the number, not the name,
not the file. The uploaded file is held on its import only until the import ends (``content``: a
database column rather than a file, so a consumer on another machine reads it), then cleared; a CHECK
makes sure a finished import keeps no file."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from referral.extensions import db
from referral.models import TimestampMixin, UTCDateTime, db_enum, utcnow
from workflows.codes import N_, Coded
from workflows.demand_import import FINISHED_IMPORT_STATES, DemandImportState


class DemandSource(Coded):
    HEALTH = "health", N_("卫生健康部门严重精神障碍患者登记")
    CDPF = "cdpf", N_("残联持证精神残疾人")


_FINISHED = DemandImportState.sql_in(FINISHED_IMPORT_STATES)


class DemandImport(TimestampMixin, db.Model):
    """One file of one list, imported by one person (or the CLI): its counts, its progress, its bad rows."""

    __tablename__ = "demand_imports"
    __table_args__ = (
        Index("ix_demand_imports_division_created", "division_code", "created_at"),
        Index("ix_demand_imports_state", "state"),
        # The file is kept only while the import waits or runs: never once it has ended.
        CheckConstraint(f"state NOT IN ({_FINISHED}) OR content IS NULL", name="finished_keeps_no_file"),
        CheckConstraint(f"state NOT IN ({_FINISHED}) OR finished_at IS NOT NULL", name="finished_has_time"),
        CheckConstraint("good + bad <= total AND added <= good", name="counts_add_up"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[DemandSource] = mapped_column(db_enum(DemandSource, "demandsource", 16), nullable=False)
    state: Mapped[DemandImportState] = mapped_column(db_enum(DemandImportState, "demandimportstate", 16),
                                                     nullable=False, default=DemandImportState.QUEUED)
    file_name: Mapped[str] = mapped_column(String(128), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    # Who, and the area their rows must lie in: the importer's division (NULL: sysadmin or the CLI, national).
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    imported_by_name: Mapped[str] = mapped_column(String(150), nullable=False, default="")
    division_code: Mapped[str | None] = mapped_column(String(6))
    total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # data rows of the file
    done: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # rows checked so far (progress)
    good: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    bad: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    added: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # good rows not listed before
    # [{"line": 7, "reason": "身份证号校验位不正确"}]: reasons in Chinese, never the number itself.
    bad_rows: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    error: Mapped[str | None] = mapped_column(String(500))  # why the file could not be read
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    imported_by = relationship("User", lazy="raise")

    @property
    def percent(self) -> int:
        return 100 if self.total == 0 else min(100, self.done * 100 // self.total)


class ListedPerson(db.Model):
    """A person on one source's list: a keyed hash, a county, a date. One row per person and source, however
    often a list naming them is imported."""

    __tablename__ = "demand_listed_people"
    __table_args__ = (
        UniqueConstraint("source", "id_hash", name="uq_demand_listed_people_source_hash"),
        Index("ix_demand_listed_people_division", "division_code", "source"),
        CheckConstraint("length(id_hash) = 64", name="hash_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[DemandSource] = mapped_column(db_enum(DemandSource, "demandsource", 16), nullable=False)
    id_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    division_code: Mapped[str] = mapped_column(ForeignKey("divisions.code", ondelete="RESTRICT"), nullable=False)
    listed_on: Mapped[date | None] = mapped_column(Date)
    import_id: Mapped[int] = mapped_column(ForeignKey("demand_imports.id", ondelete="RESTRICT"), nullable=False,
                                           index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
