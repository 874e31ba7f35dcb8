from django.urls import path

from . import token_pages as views

app_name = "system_keys"

urlpatterns = [
    path("", views.system_keys, name="list"),
    path("<int:key_id>/intrekken/", views.revoke_system_key, name="revoke"),
]
