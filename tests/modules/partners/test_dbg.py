import re
from tests.factories import csrf_token, login
from tests.modules.partners.factories import PartnerOrganisationFactory
from tests.modules.partners.helpers import member, piva

def test_dbg(client, ctx):
    own = PartnerOrganisationFactory(legal_name="Sa Butega")
    login(client, member("shop", own))
    edit = f"/admin/organisation/edit/?id={own.id}"
    r = client.post(edit, data={"pec": "Nuova@PEC.example.it", "comune": "095018", "csrf_token": csrf_token(client, edit)})
    page = r.get_data(as_text=True)
    print(re.findall(r'(invalid-feedback[^<]*<[^>]*>[^<]*|alert[^>]*>[^<]*<[^<]*)', page))
    print(re.findall(r'help-block[^>]*>([^<]*)', page))
