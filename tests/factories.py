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


# --- organisations ------------------------------------------------------------------------------

from allauth.account.models import EmailAddress  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.utils import timezone  # noqa: E402

from organisations.models import (  # noqa: E402
    Accession,
    CouncilMembership,
    MunicipalUnit,
    OfficerRole,
    Organisation,
    Representative,
)


def valid_organisation_number(n: int) -> str:
    """A valid NNNNNN-NNNN number (Luhn check digit) for sequence number n."""
    from organisations.validators import luhn_valid

    # 8 (non-profit associations and foundations), a third digit of 2 (never a personal identity
    # number), and n in the remaining seven digits.
    base = f"8{(n // 1_000_000) % 10}2{n % 1_000_000:06d}"
    for check in range(10):
        if luhn_valid(base + str(check)):
            return f"{base[:6]}-{base[6:]}{check}"
    raise AssertionError("unreachable")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.se")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.django.Password("correct horse battery")

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        """Users have a verified e-mail address, as allauth requires before login."""
        if create:
            EmailAddress.objects.get_or_create(
                user=self, email=self.email, defaults={"verified": True, "primary": True}
            )


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Föreningen nummer {n}")
    organisation_number = factory.Sequence(valid_organisation_number)
    legal_form = "association"
    municipality = factory.LazyFunction(lambda: Municipality.objects.get(slug="goteborg"))
    email = factory.Sequence(lambda n: f"info{n}@forening.example.se")
    description = "En förening."


class RepresentativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Representative

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Representative.Role.ADMIN


class MunicipalUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MunicipalUnit
        django_get_or_create = ["municipality", "name"]

    municipality = factory.LazyFunction(lambda: Municipality.objects.get(slug="goteborg"))
    name = factory.Sequence(lambda n: f"Nämnd {n}")
    kind = MunicipalUnit.Kind.BOARD


class OfficerRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OfficerRole

    user = factory.SubFactory(UserFactory)
    municipality = factory.LazyFunction(lambda: Municipality.objects.get(slug="goteborg"))


class CouncilMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CouncilMembership

    user = factory.SubFactory(UserFactory)
    agreement = factory.LazyFunction(lambda: Agreement.objects.get(slug="goteborg"))
    side = CouncilMembership.Side.CIVIL_SOCIETY


class AccessionFactory(factory.django.DjangoModelFactory):
    """An accession made directly (tests of the life cycle go through the services)."""

    class Meta:
        model = Accession

    organisation = factory.SubFactory(OrganisationFactory)
    agreement = factory.LazyAttribute(
        lambda o: Agreement.objects.get(municipality=o.organisation.municipality)
    )
    version = factory.LazyAttribute(lambda o: o.agreement.current_version)
    status = Accession.Status.ACTIVE
    source = Accession.Source.ONLINE
    declaration_text = "Vi ansluter oss."
    basis = Accession.Basis.SIGNATORY
    signer_name = "Anna Andersson"
    signer_title = "Ordförande"
    signed_at = factory.LazyFunction(timezone.now)
    decided_at = factory.LazyAttribute(lambda o: o.signed_at if o.status == "active" else None)


def with_mfa(user):
    """Give a user a TOTP authenticator, as officers, council members and staff must have."""
    from allauth.mfa.models import Authenticator

    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    return user


def mfa_officer(slug: str):
    """An officer of the municipality with this slug, with two-factor authentication."""
    role = OfficerRoleFactory(municipality=Municipality.objects.get(slug=slug))
    return with_mfa(role.user)


def minimal_pdf() -> bytes:
    """A real, one-page PDF for upload tests."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
