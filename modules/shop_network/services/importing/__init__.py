"""Providers' welfare transactions: CSV files and API batches, checked and imported in bulk.

One entry point, :func:`import_file`, does the work for the upload screen, the command line and the API:

- ``sources``: the rows of a file (streamed: memory does not grow with it) or of an API payload;
- ``parsing``: dates and times (Europe/Rome), partite IVA and amounts as providers write them;
- ``network``: which P.IVA is a shop in the network on which day, and which months are settled;
- ``loading``: the loop that checks every row and writes it out (on PostgreSQL the in-network purchases go
  straight into the transactions table by ``COPY``, the rest into a staging table);
- ``checks``: set-based SQL over the staging table (duplicates, ids imported before, unknown purchases);
- ``batches``: starting a batch, running it as a job, its summary and report.

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
