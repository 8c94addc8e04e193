"""agreements: the territorial agreement with the social partners and the agreements like it.

Public API (import these, nothing else of this package): ``services`` (create, edit the text and the
parties, open for signature, adhesions, ``party_status``), models ``Agreement``, ``AgreementParty``,
``AgreementVersion``, ``AgreementTemplate``, ``Adhesion``. The module listens to
``signatures.services.signature_accepted`` to put an agreement into force (see ``services``).
"""

from modules.signatures.services import signature_accepted

from .services import on_signature_accepted

signature_accepted.connect(on_signature_accepted)
