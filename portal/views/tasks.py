"""What waits on me: every domain's tasks in one list, and its count in the navigation."""

import sqlalchemy as sa
from flask import Blueprint, current_app, g, redirect, request, url_for

from portal.authz import authenticated
from portal.extensions import db
from portal.forms.tasks import TaskFilterForm
from portal.models.organizations import City
from portal.services import tasks
from portal.templating import render_page
from portal.views._common import acting_user, moment, page_number

bp = Blueprint("tasks", __name__)


@bp.route("/tasks", endpoint="list")
@authenticated
def tasks_list():
    user = acting_user()
    at = moment()
    cities = db.session.scalars(sa.select(City).order_by(City.name)).all()
    held = tasks.held_kinds(user)
    filters = TaskFilterForm(request.args)
    filters.set_choices([(kind, 0) for kind in held], cities)
    kinds, city_id = filters.criteria()
    counts = dict(tasks.summary(user, at, city_id=city_id))
    if city_id is None:
        g.task_count = sum(counts.values())  # the navigation's count, already known
    filters.set_choices([(kind, counts.get(kind, 0)) for kind in held], cities)
    total = sum(n for kind, n in counts.items() if kinds is None or kind.name in kinds)
    page = tasks.listing(
        user,
        at,
        kinds=kinds,
        city_id=city_id,
        page=page_number(),
        per_page=current_app.config["PAGE_SIZE"],
        total=total,
        cities={city.id: city for city in cities},
    )
    return render_page(
        "tasks/list.html",
        "tasks/_list.html",
        filters=filters,
        pagination=page,
        counts=counts,
        cities={city.id: city for city in cities},
        today=at.today,
    )


@bp.route("/decisions")
@authenticated
def decisions():
    """The former "Mes décisions" queue: its address leads to the task list."""
    return redirect(url_for("tasks.list"), 301)
