from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from referral.extensions import db
from referral.models import TimestampMixin


class Institution(TimestampMixin, db.Model):
    __tablename__ = "institutions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    # The county of the institution's address: what scopes it for county/city/province officials.
    division_code: Mapped[str] = mapped_column(
        ForeignKey("divisions.code", ondelete="RESTRICT"), nullable=False, index=True)

    division = relationship("Division", lazy="joined")

    def __repr__(self) -> str:
        return f"<Institution {self.id} {self.name}>"
