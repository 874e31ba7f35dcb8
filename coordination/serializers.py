from __future__ import annotations

from rest_framework import serializers

from .models import Role, Team, User


class MemberSerializer(serializers.ModelSerializer[User]):
    name = serializers.CharField(source="display_name")
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices), read_only=True)

    class Meta:
        model = User
        fields = ("id", "username", "name", "roles")


class TeamSerializer(serializers.ModelSerializer[Team]):
    members = MemberSerializer(many=True)

    class Meta:
        model = Team
        fields = ("id", "name", "members")
