"""NOT YET WRITTEN: replace every function below."""

from django.http import Http404


def dashboard(request):
    raise Http404


def organisation_create(request):
    raise Http404


def organisation_edit(request, pk):
    raise Http404


def sign(request, pk):
    raise Http404


def representatives(request, pk):
    raise Http404


def request_access(request, pk):
    raise Http404


def invitation_accept(request, token):
    raise Http404


def accession_detail(request, pk):
    raise Http404


def accession_receipt(request, pk):
    raise Http404


def accession_minutes(request, pk):
    raise Http404


def accession_withdraw(request, pk):
    raise Http404


def accession_reconfirm(request, pk):
    raise Http404
