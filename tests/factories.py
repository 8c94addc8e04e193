"""factory_boy factories for every model; the authorization matrix finds them through FACTORIES."""

from __future__ import annotations

import itertools
import sys
from decimal import Decimal

import factory
from factory.alchemy import SQLAlchemyModelFactory

from app.api.tokens import ApiToken
from app.audit import AuditLog
from app.extensions import db
from app.jobs import Job
from app.models import Organisation, Role, User
from app.notify import Notification
from app.security.passwords import hash_password
from app.settings import SettingValue
from app.uploads import Upload

PASSWORD = "correct-horse-battery"
_hash_cache: dict[str, str] = {}
_piva = itertools.count(1_000_000)


def _password_hash() -> str:
    # argon2 is deliberately slow: hash the shared test password once.
    if PASSWORD not in _hash_cache:
        _hash_cache[PASSWORD] = hash_password(PASSWORD)
    return _hash_cache[PASSWORD]


def valid_piva() -> str:
    """A partita IVA with a correct check digit (Luhn variant), unique per call."""
    from stdnum import luhn

    body = f"{next(_piva):07d}" + "001"
    return body + luhn.calc_check_digit(body)


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class OrganisationFactory(BaseFactory):
    class Meta:
        model = Organisation

    legal_name = factory.Sequence(lambda n: f"Organizzazione {n}")
    type = "shop"
    partita_iva = factory.LazyFunction(valid_piva)
    codice_fiscale = factory.LazyAttribute(lambda o: o.partita_iva)
    status = "active"


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Sequence(lambda n: f"Utente {n}")
    password_hash = factory.LazyFunction(_password_hash)
    language = "it"

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if extracted:
            keys = [extracted] if isinstance(extracted, str) else list(extracted)
            self.roles = list(db.session.scalars(db.select(Role).where(Role.key.in_(keys))))
            db.session.commit()


def make_user(role: str, organisation: Organisation | None = None, **kwargs) -> User:
    """A user with `role`; external roles get (or are given) an organisation."""
    external = role in ("social_partner", "provider", "shop", "cooperative")
    if external and organisation is None:
        organisation = OrganisationFactory(type=role if role != "social_partner" else "social_partner")
    return UserFactory(roles=role, organisation=organisation, **kwargs)


class JobFactory(BaseFactory):
    class Meta:
        model = Job

    name = "memo.count_slowly"
    args = factory.LazyFunction(dict)
    status = "finished"
    progress = 100


class ApiTokenFactory(BaseFactory):
    class Meta:
        model = ApiToken

    name = "test"
    token_hash = factory.Sequence(lambda n: f"{n:064d}")
    hint = "dst_xxxxxx"


class AuditLogFactory(BaseFactory):
    class Meta:
        model = AuditLog

    at = factory.LazyFunction(lambda: __import__("datetime").datetime.now(__import__("datetime").UTC))
    model = "Organisation"
    record_id = "1"
    action = "update"


class RoleFactory(BaseFactory):
    class Meta:
        model = Role

    key = factory.Sequence(lambda n: f"role{n}")
    name = factory.Sequence(lambda n: f"Role {n}")


class SettingValueFactory(BaseFactory):
    class Meta:
        model = SettingValue

    module = "base"
    key = factory.Sequence(lambda n: f"undeclared_{n}")  # never shadows a declared setting
    value = "x"


class UploadFactory(BaseFactory):
    """An unowned upload row without bytes on disk: nobody can download it."""

    class Meta:
        model = Upload

    use = "base.logo"
    original_name = "logo.png"
    content_type = "image/png"
    size = 68
    sha256 = "0" * 64
    storage_path = factory.Sequence(lambda n: f"base.logo/2026/{n:032x}")


class NotificationFactory(BaseFactory):
    class Meta:
        model = Notification

    user = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Notifica {n}")


_MEMO_FACTORIES: dict = {}


def _memo_factories() -> dict:
    if _MEMO_FACTORIES:
        return _MEMO_FACTORIES
    from memo.models import Memo, MemoCategory

    class MemoCategoryFactory(BaseFactory):
        class Meta:
            model = MemoCategory

        name = factory.Sequence(lambda n: f"Categoria {n}")

    class MemoFactory(BaseFactory):
        class Meta:
            model = Memo

        title = factory.Sequence(lambda n: f"Promemoria {n}")
        organisation = factory.SubFactory(OrganisationFactory)
        amount = Decimal("12.34")

    _MEMO_FACTORIES.update({Memo: MemoFactory, MemoCategory: MemoCategoryFactory})
    return _MEMO_FACTORIES


def factories() -> dict:
    """Model class -> factory. Modules add theirs here as they arrive."""
    found = {Organisation: OrganisationFactory, User: UserFactory, Job: JobFactory, ApiToken: ApiTokenFactory,
             AuditLog: AuditLogFactory, Role: RoleFactory, SettingValue: SettingValueFactory,
             Upload: UploadFactory, Notification: NotificationFactory}
    found.update(_memo_factories())
    if "modules.partners.models" in sys.modules:  # only when the partners module is loaded
        from tests.modules.partners.factories import partners_factories

        found.update(partners_factories())
    if "modules.ledger.models" in sys.modules:  # only when the ledger module is loaded
        from tests.modules.ledger.factories import ledger_factories

        found.update(ledger_factories())
    if "modules.funds.models" in sys.modules:  # only when the funds module is loaded
        from tests.modules.funds.factories import funds_factories

        found.update(funds_factories())
    if "modules.signatures.models" in sys.modules:  # only when the signatures module is loaded
        from tests.modules.signatures.factories import signatures_factories

        found.update(signatures_factories())
    if "modules.accreditation.models" in sys.modules:  # only when the accreditation module is loaded
        from tests.modules.accreditation.factories import accreditation_factories

        found.update(accreditation_factories())
    if "modules.agreements.models" in sys.modules:  # only when the agreements module is loaded
        from tests.modules.agreements.factories import agreements_factories

        found.update(agreements_factories())
    if "modules.catalog.models" in sys.modules:  # only when the catalog module is loaded
        from tests.modules.catalog.factories import catalog_factories

        found.update(catalog_factories())
    if "modules.welfare_points.models" in sys.modules:  # only when the welfare_points module is loaded
        from tests.modules.welfare_points.factories import welfare_points_factories

        found.update(welfare_points_factories())
    if "modules.shop_network.models" in sys.modules:  # only when the shop network module is loaded
        from tests.modules.shop_network.factories import shop_network_factories

        found.update(shop_network_factories())
    return found


def login(client, user: User, password: str = PASSWORD):
    response = client.post("/login", data={"email": user.email, "password": password,
                                           "csrf_token": csrf_token(client, "/login")})
    assert response.status_code == 302, response.data[:500]
    return response


def csrf_token(client, path: str) -> str:
    """The CSRF token a real browser would have: read from the page's form."""
    import re

    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)
