from django.apps import AppConfig
from django.db.models.signals import m2m_changed


class CoordinationConfig(AppConfig):
    name = "coordination"
    verbose_name = "Coördinatie"

    def ready(self) -> None:
        from . import acting
        from .models import User

        for through in (User.groups.through, User.user_permissions.through):
            m2m_changed.connect(
                acting.refuse_own_permissions, sender=through, dispatch_uid=f"own-{through.__name__}"
            )
