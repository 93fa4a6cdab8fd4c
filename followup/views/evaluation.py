"""NOT YET WRITTEN: replace every function below."""

from django.http import Http404


def evaluation(request, pk):
    raise Http404


def pdf_status(request, pk):
    raise Http404


def edit(request, pk):
    raise Http404


def send_to_council(request, pk):
    raise Http404


def comment(request, pk):
    raise Http404


def approve(request, pk):
    raise Http404


def publish(request, pk):
    raise Http404


def retry_pdf(request, pk):
    raise Http404
