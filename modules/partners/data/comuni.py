"""Every Italian comune from ISTAT's list (see README.md beside this file), loaded in bulk."""

import csv
from pathlib import Path

from sqlalchemy import insert, select, update

from app.extensions import db

from ..models import Comune

SOURCE = Path(__file__).with_name("comuni_istat.csv")
COLUMNS = ("istat_code", "name", "name_other_language", "province_code", "province_name", "region_name",
           "cadastral_code")


def read_comuni(path: Path = SOURCE) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [{key: (row[key] or None) if key == "name_other_language" else row[key] for key in COLUMNS}
                for row in csv.DictReader(handle)]


def load() -> None:
    """Insert new comuni and update changed ones in two bulk statements; nothing is deleted."""
    rows = read_comuni()
    columns = [Comune.__table__.c[key] for key in COLUMNS]
    existing = {row.istat_code: tuple(row) for row in db.session.execute(select(*columns))}
    new = [row for row in rows if row["istat_code"] not in existing]
    changed = [row for row in rows if row["istat_code"] in existing
               and tuple(row[key] for key in COLUMNS) != existing[row["istat_code"]]]
    if new:
        db.session.execute(insert(Comune), new)
    for row in changed:
        db.session.execute(update(Comune).where(Comune.istat_code == row["istat_code"]).values(**row))
    db.session.flush()
