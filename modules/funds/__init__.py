"""funds: the district fund — contributions in, social projects, priorities, allocation rounds, payments to
beneficiaries, art. 26–27 d.lgs. 33/2013 publications and the public transparency pages.

Other modules record money owed to and received by the fund through ``modules.funds.services`` (see its
docstring: ``record_contribution_owed``, ``record_contribution_received``, ``record_donation``…). The fund's
money lives in the ``ledger`` module's accounts, found by owner key ``funds.fund:<id>:<role>``.
"""
