"""NOT YET WRITTEN: replace every function below."""

from django.http import Http404


def queue(request):
    raise Http404


def organisations(request):
    raise Http404


def record_accession(request, pk):
    raise Http404


def verify(request, pk):
    raise Http404


def reject(request, pk):
    raise Http404
