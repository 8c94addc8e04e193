"""partners: the organisations registry (Odoo's res.partner for the district).

Public API for later modules (import these, nothing else of this package):

- ``services.visible_name_type_comune(user, ids, via=[(Model, "organisation_id")])``: name, type and
  comune of organisations a user may know of through rows they can read;
- ``services.find_comune(value)``, ``services.organisation_types()``, ``services.type_labels()``;
- ``validators``: partita IVA, codice fiscale, IBAN, ATECO 2025, PEC… normalised or refused in Italian;
- models ``PartnerOrganisation`` (joined-table subclass of the kernel's Organisation), ``Comune``,
  ``OrganisationType``, ``OrganisationContact``.
"""
