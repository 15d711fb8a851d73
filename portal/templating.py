"""What every template can use: permission checks, navigation, labels, local times."""

from datetime import date, datetime
from decimal import Decimal

from flask import Flask, g, has_request_context, make_response, render_template, request
from flask_babel import format_date, format_decimal, format_percent, format_time, to_user_timezone
from flask_login import current_user

from portal import audit_labels, authz, bidi, labels, names, navigation
from portal.forms.milestones import HORIZON_LABELS
from portal.models.coverage import SiteKind, SiteStatus
from portal.models.governance import (
    ActionStatus,
    MeetingStatus,
    MemberRole,
    MinutesStatus,
    Outcome,
    Presence,
)
from portal.models.scenarios import ScenarioStatus
from portal.services import commitments as commitment_rules
from portal.services import coverage as coverage_rules
from portal.services import finance as finance_rules
from portal.services import notifications, selection
from portal.services import tenders as tender_rules
from portal.services.diagnostic.expectations import reach
from portal.services.milestones import STATUS_LABELS


def localdatetime(value: datetime | None) -> str:
    """A moment as the rest of the portal writes days ("24 nov. 2026 12:00"): one style per
    locale everywhere, never "24/11/2026" beside "24 nov. 2026"."""
    # Stored in UTC; Flask-Babel shows it in Africa/Casablanca.
    if value is None:
        return ""
    return f"{format_date(to_user_timezone(value).date(), 'medium')} {format_time(value, 'short')}"


def localdate(value: date | None, format: str = "medium") -> str:
    return "" if value is None else format_date(value, format)


def money(value) -> str:
    # Amounts are Decimal; shown with the locale's grouping, never through float.
    if value is None:
        return ""
    text = format_decimal(value, format="#,##0.00")
    # A negative amount keeps its minus sign in front in a right-to-left page.
    return bidi.isolate_ltr(text) if value < 0 else text


def percent(value) -> str:
    """A rate kept as a fraction (0.0888), in the locale's writing (8,88 %)."""
    return "" if value is None else format_percent(value, format="#,##0.##%")


def number_1(value) -> str:
    """A mean, to one decimal, in the locale's writing (2,4)."""
    return "" if value is None else format_decimal(Decimal(str(value)), format="0.0")


def month_name(day) -> str:
    """A month as people name it: "mars 2026"."""
    return format_date(day, format="LLLL y")


def channel_label(value: str) -> str:
    from portal.models.diagnostic import Channel

    return str(labels.CHANNEL_LABELS[Channel(value)])


def number(value) -> str:
    """A plain number in the locale's writing (0,8; 70; 12,5)."""
    return "" if value is None else format_decimal(value)


def score(value, decimals: int = 2) -> str:
    """A published score: always the tender's number of decimals, in the locale's writing."""
    if value is None:
        return "—"
    pattern = "0." + "0" * decimals if decimals else "0"
    # Rounded by the engine's own rule (Babel alone would round half to even).
    return format_decimal(selection.round_published(Decimal(value), decimals), format=pattern)


def render_page(template: str, fragment: str, **context):
    """One URL, two renderings: the full page, or only its fragment for htmx."""
    # A history restore (back button) needs the whole page, though htmx marks it as its own.
    is_htmx = (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )
    response = make_response(render_template(fragment if is_htmx else template, **context))
    response.vary.add("HX-Request")
    return response


def init_app(app: Flask) -> None:
    app.jinja_env.filters["localdatetime"] = localdatetime
    app.jinja_env.filters["localdate"] = localdate
    # Figures kept as JSON carry their days as ISO text.
    app.jinja_env.filters["isodate"] = lambda value: date.fromisoformat(value) if value else None
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["percent"] = percent
    app.jinja_env.filters["number_1"] = number_1
    app.jinja_env.filters["month_name"] = month_name
    app.jinja_env.filters["channel_label"] = channel_label
    app.jinja_env.filters["score"] = score
    app.jinja_env.filters["bdi"] = bidi.bdi
    app.jinja_env.filters["listed"] = bidi.listed_bdi
    app.jinja_env.filters["detail_label"] = audit_labels.detail_label
    app.jinja_env.filters["local"] = names.local
    app.jinja_env.globals.update(
        audit_action=audit_labels.action_label,
        list_separator=bidi.separator,
        audit_object=audit_labels.object_label,
        audit_details=audit_labels.detail_lines,
        can=authz.can,
        Permission=authz.Permission,
        ROLE_LABELS=labels.ROLE_LABELS,
        ROLE_DESCRIPTIONS=labels.ROLE_DESCRIPTIONS,
        ORGANIZATION_KIND_LABELS=labels.ORGANIZATION_KIND_LABELS,
        LANGUAGE_NAMES=labels.LANGUAGE_NAMES,
        STATUS_LABELS=STATUS_LABELS,
        HORIZON_LABELS=HORIZON_LABELS,
        COMMITMENT_LABELS=commitment_rules.STATUS_LABELS,
        UPDATE_LABELS=commitment_rules.UPDATE_LABELS,
        PURPOSE_LABELS=finance_rules.PURPOSE_LABELS,
        AGREEMENT_LABELS=finance_rules.AGREEMENT_LABELS,
        INSTALLMENT_LABELS=finance_rules.INSTALLMENT_LABELS,
        ASSET_LABELS=finance_rules.ASSET_LABELS,
        COST_LABELS=finance_rules.COST_LABELS,
        TENDER_STAGES=tender_rules.STAGE_LABELS,
        SITE_STATUS_LABELS=coverage_rules.STATUS_LABELS,
        SITE_STATUSES=list(SiteStatus),
        SITE_KIND_LABELS=coverage_rules.KIND_LABELS,
        SITE_KINDS=list(SiteKind),
        SITE_MOVE_LABELS=coverage_rules.MOVE_LABELS,
        PROGRESS_LABELS=coverage_rules.PROGRESS_LABELS,
        describe_event=notifications.describe,
        NOTIFICATION_KINDS=labels.REMINDER_KIND_LABELS,
        SCENARIO_STATUS_LABELS=labels.SCENARIO_STATUS_LABELS,
        SCENARIO_STATUSES=ScenarioStatus,
        MEETING_STATUSES=MeetingStatus,
        MINUTES_STATUSES=MinutesStatus,
        MINUTES_STATUS_LABELS=labels.MINUTES_STATUS_LABELS,
        MEMBER_ROLES=MemberRole,
        OUTCOMES=Outcome,
        PRESENCES=Presence,
        ACTION_STATUSES=ActionStatus,
        SCENARIO_MOVE_LABELS=labels.SCENARIO_MOVE_LABELS,
        SENSITIVITY_LABELS=labels.SENSITIVITY_LABELS,
        MATURITY_LABELS=labels.MATURITY_LABELS,
        EXPECTATION_STATUS_LABELS=labels.EXPECTATION_STATUS_LABELS,
        INFRASTRUCTURE_LABELS=labels.INFRASTRUCTURE_LABELS,
        BODY_KIND_LABELS=labels.BODY_KIND_LABELS,
        MEMBER_ROLE_LABELS=labels.MEMBER_ROLE_LABELS,
        MEETING_STATUS_LABELS=labels.MEETING_STATUS_LABELS,
        OUTCOME_LABELS=labels.OUTCOME_LABELS,
        PRESENCE_LABELS=labels.PRESENCE_LABELS,
        ACTION_STATUS_LABELS=labels.ACTION_STATUS_LABELS,
        REACH=reach,
        MATURITY_LEVELS=list(labels.MATURITY_LABELS),
        INVESTMENT_MODEL_LABELS=labels.INVESTMENT_MODEL_LABELS,
        LINE_KIND_LABELS=labels.LINE_KIND_LABELS,
        TRANSFER_KIND_LABELS=labels.TRANSFER_KIND_LABELS,
        LAYER_LABELS=labels.LAYER_LABELS,
        RISK_LABELS=labels.RISK_LABELS,
        MEASURE_LABELS=labels.MEASURE_LABELS,
    )

    def task_count() -> int:
        """The navigation's count of what waits on the signed-in person, computed once per
        request and only by the pages that show it (not by htmx fragments)."""
        if "task_count" not in g:
            from portal.services import tasks
            from portal.views._common import moment

            g.task_count = tasks.count(current_user, moment())
        return g.task_count

    def meetings_about(page: str, object_id: int) -> list:
        """The agenda items about an object (its page's "Passé en instance"), in the meetings
        the signed-in person reads: one query."""
        from portal.services import governance

        return governance.concerning(current_user._get_current_object(), page, object_id)

    @app.context_processor
    def layout_context():
        language = bidi.language()
        # E-mails are rendered by the scheduler, outside any request: no one to show a menu.
        user = current_user if has_request_context() else None
        return {
            "main_nav": navigation.visible(user, navigation.MAIN_NAV) if user else [],
            "admin_nav": navigation.visible(user, navigation.ADMIN_NAV) if user else [],
            "current_language": language,
            "text_direction": "rtl" if bidi.right_to_left() else "ltr",
            "languages": app.config["LANGUAGES"],
            "task_count": task_count,
            "meetings_about": meetings_about,
        }
