from sqlalchemy import inspect
from modules.partners import services
from tests.modules.partners.factories import PartnerOrganisationFactory
from tests.modules.partners.helpers import member, piva

def test_dbg(ctx):
    own = PartnerOrganisationFactory()
    shop = member("shop", own)
    print("external", shop.is_external, shop.role_keys)
    services.update_organisation(own, {"pec": "nuova@pec.example.it"}, shop)
    new = piva()
    print(services.apply(own, services.clean_organisation({"partita_iva": new}, own).values))
    h = inspect(own).attrs["partita_iva"].history
    print("hist", h, services.protected_changes(own))
