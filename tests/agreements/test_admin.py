"""Agreement content can be edited in the admin, and every change is kept."""

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model

from agreements.models import Agreement, Principle

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client):
    user = get_user_model().objects.create_superuser("redaktor", "r@example.se", "x" * 12)
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    client.force_login(user)
    return user


def test_editor_changes_a_principle_and_the_change_is_in_its_history(client, editor):
    principle = Principle.objects.get(version__agreement__slug="goteborg", key="dialog")
    before = Agreement.objects.get(slug="goteborg").content_updated_at
    url = f"/admin/agreements/principle/{principle.pk}/change/"
    response = client.get(url)
    assert response.status_code == 200
    form = response.context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data["themes"] = [t.pk for t in principle.themes.all()]
    data["title"] = "Dialog – redigerad"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    principle.refresh_from_db()
    assert principle.title == "Dialog – redigerad"
    latest = principle.history.first()
    assert latest.title == "Dialog – redigerad"
    assert latest.history_user == editor
    assert principle.history.count() >= 2
    assert Agreement.objects.get(slug="goteborg").content_updated_at != before
    history = client.get(f"/admin/agreements/principle/{principle.pk}/history/")
    assert history.status_code == 200


@pytest.mark.parametrize(
    "model",
    [
        "agreement",
        "agreementversion",
        "principle",
        "commitment",
        "developmentarea",
        "body",
        "followuparea",
        "actionplan",
        "planarea",
        "municipality",
        "theme",
    ],
)
def test_admin_lists_open(client, editor, model):
    assert client.get(f"/admin/agreements/{model}/").status_code == 200


def test_admin_refuses_anonymous(client):
    response = client.get("/admin/agreements/principle/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]
