"""The "Notifications" screen: the signed-in user's own notifications, mark one or all as read."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..notify import Notification, mark_all_read, mark_read
from ..security import can, get_scoped, scoped

PAGE_SIZE = 25


def _local(url: str | None) -> bool:
    return bool(url) and url.startswith("/") and not url.startswith("//") and "\\" not in url


class NotificationsView(BaseView):
    def is_accessible(self):
        return current_user.is_authenticated and can(current_user, Notification, "read")

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        abort(403)

    @expose("/")
    def index(self):
        page = max(1, request.args.get("page", 1, type=int) or 1)
        stmt = (scoped(Notification).order_by(Notification.created_at.desc(), Notification.id.desc())
                .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1))
        rows = list(db.session.scalars(stmt))
        return self.render("admin/distretto/notifications.html", rows=rows[:PAGE_SIZE], page=page,
                           has_next=len(rows) > PAGE_SIZE)

    def _own(self, notification_id: int) -> Notification:
        notification = get_scoped(Notification, notification_id, "write")
        if notification is None:
            abort(404)
        return notification

    @expose("/<int:notification_id>/read", methods=["POST"])
    def read(self, notification_id: int):
        mark_read(self._own(notification_id))
        return redirect(url_for(".index"))

    @expose("/<int:notification_id>/follow", methods=["POST"])
    def follow(self, notification_id: int):
        notification = self._own(notification_id)
        mark_read(notification)
        return redirect(notification.url if _local(notification.url) else url_for(".index"))

    @expose("/read-all", methods=["POST"])
    def read_all(self):
        count = mark_all_read(current_user._get_current_object())
        flash(_("%(n)d notifications marked as read.", n=count), "success")
        return redirect(url_for(".index"))
