"""Record rules: an operator reaches only the desks they are assigned to, and those desks' needs, personal
data, referrals and the catalogue bookings made for them (or by the operator); coordinators and administrators
reach every desk."""

from sqlalchemy import or_, select

from app.security import RecordRule
from modules.catalog.models import Booking

from ..models import Desk, Need, NeedPersonal, Referral, desk_operators

OPERATOR = ("operator",)


def my_desk_ids(user):
    """The ids of the desks `user` is assigned to, as a subquery."""
    return select(desk_operators.c.desk_id).where(desk_operators.c.user_id == user.id)


def _my_need_ids(user):
    return select(Need.id).where(Need.desk_id.in_(my_desk_ids(user)))


RULES = [
    RecordRule(Desk, lambda user: Desk.id.in_(my_desk_ids(user)), OPERATOR),
    RecordRule(Need, lambda user: Need.desk_id.in_(my_desk_ids(user)), OPERATOR),
    RecordRule(NeedPersonal, lambda user: NeedPersonal.need_id.in_(_my_need_ids(user)), OPERATOR),
    RecordRule(Referral, lambda user: Referral.need_id.in_(_my_need_ids(user)), OPERATOR),
    RecordRule(Booking, lambda user: or_(
        Booking.booked_by_id == user.id,
        Booking.id.in_(select(Referral.booking_id).where(Referral.need_id.in_(_my_need_ids(user))))), OPERATOR),
]
