"""NOT YET WRITTEN: replace every function below."""

from django.http import Http404


def evaluation(request, slug, pk):
    raise Http404


def evaluation_pdf(request, slug, pk):
    raise Http404
