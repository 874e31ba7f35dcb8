"""factory_boy factories for the test suite."""

from __future__ import annotations

import factory

from coordination.models import District, Organisation, PostcodeArea, Role, Team, User


class OrganisationFactory(factory.django.DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Organisatie {n}")
    kind = Organisation.Kind.GP


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Gebruiker {n}")
    organisation = factory.SubFactory(OrganisationFactory)
    roles = factory.LazyFunction(lambda: [Role.PARTNER.value])
    password = factory.django.Password("test-password-123")


class TeamFactory(factory.django.DjangoModelFactory[Team]):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Team {n}")
    organisation = factory.SubFactory(OrganisationFactory, kind=Organisation.Kind.MUNICIPALITY)


def team_with_area(name: str, start: int, end: int, organisation: Organisation) -> Team:
    team = TeamFactory.create(name=name, organisation=organisation)
    district, _ = District.objects.get_or_create(name=f"Wijk {name}", defaults={"team": team})
    PostcodeArea.objects.get_or_create(district=district, start=start, end=end)
    return team
