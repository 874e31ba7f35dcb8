from __future__ import annotations

from rest_framework import serializers

from .models import Team, User


class MemberSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name")

    class Meta:
        model = User
        fields = ("id", "username", "name", "roles")


class TeamSerializer(serializers.ModelSerializer):
    members = MemberSerializer(many=True)

    class Meta:
        model = Team
        fields = ("id", "name", "members")
