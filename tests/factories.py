"""Test data, built with factory_boy."""

import factory

from agreements.models import (
    Agreement,
    AgreementVersion,
    Body,
    Commitment,
    DevelopmentArea,
    Municipality,
    Party,
    Principle,
    Section,
    Theme,
)


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality
        django_get_or_create = ["slug"]

    short_name = factory.Sequence(lambda n: f"Testby {n}")
    name = factory.LazyAttribute(lambda o: f"{o.short_name} kommun")
    slug = factory.Sequence(lambda n: f"testby-{n}")


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agreement

    municipality = factory.SubFactory(MunicipalityFactory)
    slug = factory.Sequence(lambda n: f"avtal-{n}")
    title = factory.LazyAttribute(lambda o: f"Överenskommelse i {o.municipality.short_name}")
    summary = "En överenskommelse om samverkan."
    order = 100


class AgreementVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgreementVersion

    agreement = factory.SubFactory(AgreementFactory)
    key = factory.Sequence(lambda n: f"v{n}")
    status = AgreementVersion.Status.CURRENT
    title = factory.LazyAttribute(lambda o: o.agreement.title)


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme
        django_get_or_create = ["key"]

    key = "dialogue"
    name_sv = "Dialog"
    name_en = "Dialogue"


class PrincipleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Principle
        skip_postgeneration_save = True

    version = factory.SubFactory(AgreementVersionFactory)
    key = factory.Sequence(lambda n: f"princip-{n}")
    order = factory.Sequence(lambda n: n)
    title = factory.Sequence(lambda n: f"Princip {n}")
    body = "Principens text."

    @factory.post_generation
    def themes(self, create, extracted, **kwargs):
        if create:
            self.themes.set(extracted or [ThemeFactory()])


class CommitmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commitment
        skip_postgeneration_save = True

    version = factory.SubFactory(AgreementVersionFactory)
    key = factory.Sequence(lambda n: f"atagande-{n}")
    order = factory.Sequence(lambda n: n)
    party = Party.MUNICIPALITY
    body = factory.Sequence(lambda n: f"Att göra sak nummer {n}")

    @factory.post_generation
    def principles(self, create, extracted, **kwargs):
        if create and extracted:
            self.principles.set(extracted)


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section

    version = factory.SubFactory(AgreementVersionFactory)
    key = factory.Sequence(lambda n: f"avsnitt-{n}")
    order = factory.Sequence(lambda n: n)
    kind = Section.Kind.VISION
    title = "Vision"
    body = "Visionens text."


class DevelopmentAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DevelopmentArea

    version = factory.SubFactory(AgreementVersionFactory)
    key = factory.Sequence(lambda n: f"omrade-{n}")
    order = factory.Sequence(lambda n: n)
    title = factory.Sequence(lambda n: f"Område {n}")


class BodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Body

    version = factory.SubFactory(AgreementVersionFactory)
    key = factory.Sequence(lambda n: f"organ-{n}")
    name = factory.Sequence(lambda n: f"Samrådet {n}")
    kind = Body.Kind.COUNCIL
    is_council = True
