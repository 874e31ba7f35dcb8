from django.urls import path

from . import figures_views

app_name = "figures_web"

urlpatterns = [path("", figures_views.figures_page, name="page")]
