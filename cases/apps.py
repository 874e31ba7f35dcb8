from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Casussen"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from audit import changes, subjects
        from coordination import events

        from . import demo, tray_changes
        from .audit_directory import CaseDirectory
        from .models import WorkTray

        subjects.register(CaseDirectory())
        # The weighing framework is configuration: its changes are logged, and the
        # open cases are placed in the trays again once a change commits.
        changes.track(
            WorkTray,
            "work_tray",
            tuple(f.attname for f in WorkTray._meta.concrete_fields if not f.primary_key),
        )
        post_save.connect(tray_changes.trays_changed, sender=WorkTray, dispatch_uid="work-tray-retray-saved")
        post_delete.connect(
            tray_changes.trays_changed, sender=WorkTray, dispatch_uid="work-tray-retray-deleted"
        )
        events.demo_seeded.connect(demo.seed_demo_trays, dispatch_uid="cases-demo-trays")
