"""NOT YET WRITTEN: replace every function below."""

from django.http import Http404


def cycle_list(request):
    raise Http404


def cycle_create(request, slug):
    raise Http404


def cycle_detail(request, pk):
    raise Http404


def cycle_edit(request, pk):
    raise Http404


def questions(request, pk):
    raise Http404


def question_edit(request, pk, question_pk):
    raise Http404


def cycle_open(request, pk):
    raise Http404


def cycle_close(request, pk):
    raise Http404


def cycle_remind(request, pk):
    raise Http404


def answers_csv(request, pk):
    raise Http404


def report_reopen(request, pk):
    raise Http404
