"""NOT YET WRITTEN: replace every function below."""

from django.http import Http404


def register(request):
    raise Http404


def organisation_detail(request, pk):
    raise Http404


def open_data(request):
    raise Http404


def register_csv(request):
    raise Http404


def register_json(request):
    raise Http404


def agreement_json(request, slug):
    raise Http404


def agreement_csv(request, slug):
    raise Http404
