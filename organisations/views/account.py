"""NOT YET WRITTEN: replace every function below."""

from django.http import Http404


def my_data(request):
    raise Http404


def my_data_json(request):
    raise Http404


def delete_account(request):
    raise Http404
