"""welfare_points: the WelfarePoint desks, where operators record the needs of workers and citizens,
orient them to the catalogue's offers, book for them, follow the case up and check fringe benefits.

Public API for later modules (observatory): ``services.anonymous_needs`` gives the needs' anonymous
fields only; the personal data (``models.NeedPersonal``) never leaves this module.
"""
