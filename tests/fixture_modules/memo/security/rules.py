from app.security import own_organisation

from ..models import Memo

RULES = [own_organisation(Memo)]
