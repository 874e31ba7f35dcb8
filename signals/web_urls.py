from django.urls import path

from . import views

app_name = "signals_web"

# The bulk upload page (name "bulk") comes with bulk intake; the partner's
# menu links to it as soon as it is added here.
urlpatterns = [
    path("", views.signal_list, name="list"),
    path("nieuw/", views.signal_new, name="new"),
    path("<uuid:signal_id>/", views.signal_detail, name="detail"),
]
