"""signatures: documents that parties sign, and how they sign them.

Public API for later modules (import these, nothing else of this package):

- ``services.create_document(owner, title, data, filename)``: store a PDF once (never re-rendered) with its
  SHA-256, owned by any record (``owner_model`` + ``owner_id``);
- ``services.request_signature(document, organisation_id, signatory_id=None)``, ``services.withdraw_requests``;
- ``services.sign_fes(...)`` and ``services.sign_with_file(...)`` (PAdES PDF or CAdES .p7m, checked by
  ``verify.verify_signed_file``); both audit every signature and every refusal (``SigningAttempt``);
- ``services.signature_accepted``: a blinker signal sent with ``signature=`` after a valid signature is recorded;
- ``services.valid_signatures(document)`` and ``services.sign_url(request)`` for screens of other modules;
- models ``SignableDocument``, ``SignatureRequest``, ``Signature``, ``SigningAttempt``, ``TrustAnchor``.
"""
