"""Pages."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The landing page (the dashboard comes with the pages issue)."""
    return render(request, "scorecard/home.html")
