"""The models of the accreditation module; the upload use and owner its documents need."""

from app.uploads import register_owner, register_use

from .application import (
    ACCREDITED_STATES,
    DOCUMENT_STATES,
    EDITABLE_STATES,
    FINAL_STATES,
    GRANTED_STATES,
    LIVE_INDEX,
    LIVE_STATES,
    STATES,
    Application,
)
from .document import Document
from .period import PERIOD_STATUSES, AccreditationPeriod
from .reference import DocumentType, Scheme, SchemeDocumentType, SchemeOrganisationType

UPLOAD_USE = "accreditation.document"
# PDF, JPEG or PNG by content; the size limit is UPLOAD_MAX_BYTES (10 MB unless the deployment says).
register_use(UPLOAD_USE, {"pdf", "jpeg", "png"})
# /files/<id> serves a document's file to whoever may read its application (access and record rules).
register_owner(Application)

__all__ = [
    "ACCREDITED_STATES",
    "DOCUMENT_STATES",
    "EDITABLE_STATES",
    "FINAL_STATES",
    "GRANTED_STATES",
    "LIVE_INDEX",
    "LIVE_STATES",
    "PERIOD_STATUSES",
    "STATES",
    "UPLOAD_USE",
    "AccreditationPeriod",
    "Application",
    "Document",
    "DocumentType",
    "Scheme",
    "SchemeDocumentType",
    "SchemeOrganisationType",
]
