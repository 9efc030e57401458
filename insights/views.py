"""Thin views for /insights/: gate (staff only, 404 for everyone else), parse the filter,
call the selector, render the page or one of its tables as CSV."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Organization
from forums.models import Space

from . import charts, permissions, selectors, services
from .forms import DashboardFilterForm, TermForm
from .models import ShareOfVoiceTerm


def _filter_context(request, form: DashboardFilterForm) -> dict:
    """The filter's choices, and what was typed kept even when it matches nothing."""
    data = form.data
    typed_dates = bool(data.get("start") or data.get("end"))
    return {
        "form": form,
        "date_fields": [form["start"], form["end"]],
        "query": _query_string(request),
        "selected_range": data.get("range") or ("custom" if typed_dates else "30"),
        "unknown_space": data.get("space", "") if form.has_error("space") else "",
        "unknown_organization": (
            data.get("organization", "") if form.has_error("organization") else ""
        ),
        "spaces": list(
            Space.objects.visible_to(request.user).order_by("name").values("slug", "name")
        ),
        "organizations": list(Organization.objects.order_by("name").values("slug", "name")),
    }


def _board(request, form: DashboardFilterForm):
    data = form.cleaned_data
    return selectors.dashboard(
        viewer=request.user,
        period=data["period"],
        space=data["space"],
        organization=data["organization"],
        unanswered_hours=data["hours"],
    )


def _query_string(request) -> str:
    query = request.GET.copy()
    for key in ("format", "table"):
        query.pop(key, None)
    return query.urlencode()


@login_required
@require_GET
def dashboard(request):
    permissions.check_view_insights(request.user)
    if request.GET.get("format") == "csv":
        return export(request, table=request.GET.get("table", ""))
    form = DashboardFilterForm(request.GET, viewer=request.user)
    valid = form.is_valid()
    context = _filter_context(request, form)
    if valid:
        board = _board(request, form)
        context["board"] = board
        waiting = board.unanswered_total
        context["unanswered_note"] = f"{waiting:,} question{'s' if waiting != 1 else ''} waiting"
        context["activity_chart"] = charts.activity_chart(board.daily)
        if board.terms:
            context["voice_chart"] = charts.share_of_voice_chart(board.terms, board.period.dates())
    return render(request, "insights/dashboard.html", context)


@login_required
@require_GET
def export(request, table: str):
    """One table of the dashboard as CSV, for the same filter as the page."""
    permissions.check_view_insights(request.user)
    if table not in selectors.TABLE_NAMES:
        raise Http404("No such table.")
    form = DashboardFilterForm(request.GET, viewer=request.user)
    if not form.is_valid():
        return render(
            request, "insights/dashboard.html", _filter_context(request, form), status=400
        )
    board = _board(request, form)
    data = board.tables[table]
    period = board.period
    filename = f"insights-{table}-{period.start.isoformat()}-{period.end.isoformat()}"
    if board.space is not None:
        filename += f"-{board.space.slug}"
    if board.organization is not None:
        filename += f"-{board.organization.slug}"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slugify(filename)}.csv"'
    writer = csv.writer(response)
    writer.writerow(data.header_for_csv())
    for row in data.rows:
        cells = [cell.csv_value for cell in row]
        if table == "contributors":
            cells.append("yes" if row[0].pill else "")
        writer.writerow([_safe_csv(value) for value in cells])
    return response


def _safe_csv(value):
    """Text a spreadsheet would run as a formula (=, +, -, @ first) is quoted with '."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@login_required
@require_http_methods(["GET", "POST"])
def terms(request):
    permissions.check_view_insights(request.user)
    form = TermForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            term = services.term_create(
                actor=request.user,
                term=form.cleaned_data["term"],
                label=form.cleaned_data["label"],
            )
        except ValidationError as error:
            for name, errors in error.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(
                request,
                f"Now following “{term.display_name}”. Mentions of the last days are being "
                "counted; they appear on the dashboard shortly.",
            )
            return redirect("insights:terms")
    context = {
        "form": form,
        "terms": ShareOfVoiceTerm.objects.select_related("created_by").order_by("term"),
    }
    return render(request, "insights/terms.html", context, status=200)


@login_required
@require_POST
def term_delete(request, term_id: int):
    permissions.check_view_insights(request.user)
    term = get_object_or_404(ShareOfVoiceTerm, pk=term_id)
    services.term_delete(actor=request.user, term=term)
    messages.success(request, f"Stopped following “{term.display_name}”.")
    return redirect("insights:terms")
