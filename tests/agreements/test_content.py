"""The four agreements in the database hold everything their published texts hold."""

import pytest

from agreements.models import (
    ActionPlan,
    Agreement,
    Body,
    Commitment,
    DevelopmentArea,
    FollowUpArea,
    FollowUpRule,
    Party,
    PlanItem,
    Principle,
)

pytestmark = pytest.mark.django_db


def current(slug):
    return Agreement.objects.get(slug=slug).current_version


def party_counts(version):
    commitments = Commitment.objects.filter(version=version)
    return {party: commitments.filter(party=party).count() for party in Party.values}


@pytest.mark.parametrize(
    ("slug", "principles", "commitments", "development_areas", "plan_items"),
    [
        # Borås: four common approaches, five development areas, the 2019–2022 plan.
        ("boras", 4, {"municipality": 0, "civil_society": 0, "both": 0}, 5, 21),
        # Södertälje: seven principles with commitments per party, four areas, the plan.
        ("sodertalje", 7, {"municipality": 18, "civil_society": 12, "both": 5}, 4, 22),
        # Göteborg: six principles, twelve commitments that name their principles.
        ("goteborg", 6, {"municipality": 2, "civil_society": 3, "both": 7}, 0, 0),
        # Botkyrka: seven principles; its one- and three-year plans' items are not published.
        ("botkyrka", 7, {"municipality": 0, "civil_society": 0, "both": 0}, 0, 0),
    ],
)
def test_agreement_holds_every_part_of_its_text(
    slug, principles, commitments, development_areas, plan_items
):
    version = current(slug)
    assert Principle.objects.filter(version=version).count() == principles
    assert party_counts(version) == commitments
    assert DevelopmentArea.objects.filter(version=version).count() == development_areas
    assert PlanItem.objects.filter(area__plan__agreement__slug=slug).count() == plan_items


def test_sodertalje_commitments_are_listed_under_their_principles():
    version = current("sodertalje")
    dialog = Principle.objects.get(version=version, title="Principen om dialog")
    listed = dialog.listed_commitments.all()
    assert [c.party for c in listed].count(Party.MUNICIPALITY) == 3
    assert [c.party for c in listed].count(Party.CIVIL_SOCIETY) == 3
    assert [c.party for c in listed].count(Party.BOTH) == 1
    assert "Att bjuda in till dialogträffar kontinuerligt" in " ".join(c.body for c in listed)
    assert all(list(c.principles.all()) == [dialog] for c in listed)


GOTEBORG_LINKS = {
    "Ökad kunskap i Göteborgs Stad": {"Mångfald", "Kvalitet"},
    "Ökad kunskap i civilsamhällets organisationer": {"Kvalitet", "Mångfald", "Långsiktighet"},
    "Förstärkt samspel och tidigt samråd": {"Dialog", "Öppenhet och insyn"},
    "Stärka organisationernas förutsättningar": {"Dialog", "Mångfald"},
    "Dialogforum och dialogformer": {"Dialog"},
    "Samhällsutveckling och utvecklingsfrågor": {"Dialog", "Mångfald"},
    "Finansieringsformer för civilsamhällets organisationer": {"Långsiktighet"},
    "Mångfald av utförare": {"Kvalitet", "Mångfald"},
    "Samverkan med civilsamhällets organisationer": {"Dialog", "Öppenhet och insyn", "Mångfald"},
    "Delaktighet": {"Dialog", "Öppenhet och insyn", "Mångfald"},
    "Jämställdhet och mångfald": {"Mångfald"},
    "Spridning av överenskommelsen": {"Dialog", "Långsiktighet", "Mångfald"},
}


def test_goteborg_commitments_name_the_principles_they_serve():
    version = current("goteborg")
    links = {
        c.title: {p.title for p in c.principles.all()}
        for c in Commitment.objects.filter(version=version).prefetch_related("principles")
    }
    assert links == GOTEBORG_LINKS


def test_goteborg_principles_know_the_commitments_that_serve_them():
    version = current("goteborg")
    served = {p.title: p.commitments.count() for p in Principle.objects.filter(version=version)}
    expected = {}
    for principles in GOTEBORG_LINKS.values():
        for title in principles:
            expected[title] = expected.get(title, 0) + 1
    assert served == {**expected, "Integritet och oberoende": 0}


def test_borås_uses_its_own_term_for_principles():
    agreement = Agreement.objects.get(slug="boras")
    assert agreement.principle_plural == "gemensamma förhållningssätt"


@pytest.mark.parametrize(
    ("slug", "council"),
    [
        ("boras", "Samrådet för Överenskommelsen"),
        ("sodertalje", "samverkansgrupp"),
        ("goteborg", "Styrgruppen för Kansli Got United"),
        ("botkyrka", "Styrgrupp"),
    ],
)
def test_each_agreement_has_one_council(slug, council):
    councils = Body.objects.filter(version=current(slug), is_council=True)
    assert councils.count() == 1
    assert council.lower() in councils.get().name.lower()


@pytest.mark.parametrize(
    ("slug", "rules"),
    [
        ("boras", {("evaluation", 2)}),
        ("sodertalje", {("followup", 1), ("plan_evaluation", 2), ("revision", 4)}),
        ("goteborg", {("followup", 1), ("external_evaluation", 4), ("revision", 4)}),
        ("botkyrka", {("evaluation", 3), ("revision", 3), ("followup", 1)}),
    ],
)
def test_followup_cadence_is_data(slug, rules):
    found = set(
        FollowUpRule.objects.filter(version=current(slug)).values_list("kind", "interval_years")
    )
    assert found == rules


def test_boras_followup_table_asks_the_right_respondents():
    areas = list(FollowUpArea.objects.filter(version=current("boras")).order_by("order"))
    assert len(areas) == 8
    assert areas[0].responsible == "Fritids- och folkhälsonämnden"
    assert areas[0].respondent_groups == ["units"]
    experience = next(a for a in areas if a.questions.count() == 4)
    assert "signatories" in experience.respondent_groups
    assert any("IOP" in a.topic and a.answer_kind == "count" for a in areas)


def test_versions_and_validity_facts():
    sodertalje = current("sodertalje")
    assert str(sodertalje.adopted_on) == "2018-10-01"
    assert str(sodertalje.valid_until) == "2022-10-01"
    assert sodertalje.reference_numbers[0]["number"] == "KS 17/53"
    goteborg = current("goteborg")
    assert str(goteborg.adopted_on) == "2012-05-31"
    boras = current("boras")
    assert (boras.adopted_on.year, boras.adopted_on.month) == (2021, 12)
    assert boras.adopted_on_precision == "month"
    assert boras.replaces.status == "replaced"
    botkyrka = current("botkyrka")
    assert botkyrka.replaces.reference_numbers == [{"number": "KS/2005:392", "note": ""}]
    assert {r["number"] for r in botkyrka.reference_numbers} == {"AVUX/2016:55", "KS/2016:639"}


def test_botkyrka_has_one_and_three_year_plans():
    plans = ActionPlan.objects.filter(agreement__slug="botkyrka")
    assert sorted(plans.values_list("duration_years", flat=True)) == [1, 3]


def test_boras_plan_belongs_to_the_earlier_version():
    plan = ActionPlan.objects.get(agreement__slug="boras")
    assert (plan.period_start, plan.period_end) == (2019, 2022)
    assert plan.version.status == "replaced"
    assert plan.areas.filter(title="Inkluderande aktiviteter").get().items.count() == 4
