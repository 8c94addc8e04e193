"""Providers' welfare transactions: CSV files and API batches, checked and imported in bulk.

One entry point, :func:`import_file`, does the work for the upload screen, the command line and the API:

- ``sources``: the rows of a file (streamed: memory does not grow with it) or of an API payload;
- ``parsing``: dates and times (Europe/Rome), partite IVA and amounts as providers write them;
- ``network``: which P.IVA is a shop in the network on which day, and which months are settled;
- ``reading``: the loop that checks every row and sends it where it goes;
- ``loading``: where rows go: on PostgreSQL the rows of network shops straight into the transactions table by
  ``COPY`` and the others into theirs (the direct way), or every row into a staging table (the staged way,
  always on SQLite, and for a file the direct way cannot finish: duplicates, ids imported before, a bad row);
- ``checks``: what keys cannot see, by index probes after a direct load, or set-based over the staging table;
- ``batches``: starting a batch, running it as a job (the direct way under a savepoint, the staged way if
  needed), its summary and report;
- ``timing``: the import's log and each step's time.

Without "keep the good rows" a file with any bad row imports nothing; either way every bad row is in the
report. The same file or the same transaction ids twice add nothing (the provider's id is the table's key,
and on PostgreSQL an advisory lock per provider makes two imports of the same provider take turns).
"""

from .batches import (
    API_USE,
    FINAL_STATUSES,
    JOB,
    MAX_API_ROWS,
    MAX_FILE_BYTES,
    PERMISSION,
    REPORT_COLUMNS,
    USE,
    ImportRefused,
    api_payload_upload,
    canonical_sha256,
    check_provider,
    create_batch,
    import_file,
    problems_of,
    report_rows,
    start_import,
    summary,
)
from .fields import (
    FIELD_LABELS,
    FIELD_NAMES,
    FIELDS,
    KINDS,
    PROBLEMS,
    REDEMPTIONS,
    mapping_for,
    message_for,
    normalise_header,
    resolve_columns,
    save_mapping,
    sniff_delimiter,
)
from .parsing import RowParser, parse_cents, rome_to_utc

__all__ = [
    "API_USE", "FIELDS", "FIELD_LABELS", "FIELD_NAMES", "FINAL_STATUSES", "JOB", "KINDS", "MAX_API_ROWS",
    "MAX_FILE_BYTES", "PERMISSION", "PROBLEMS", "REDEMPTIONS", "REPORT_COLUMNS", "USE", "ImportRefused",
    "RowParser", "api_payload_upload", "canonical_sha256", "check_provider", "create_batch", "import_file",
    "mapping_for", "message_for", "normalise_header", "parse_cents", "problems_of", "report_rows",
    "resolve_columns", "rome_to_utc", "save_mapping", "sniff_delimiter", "start_import", "summary",
]
