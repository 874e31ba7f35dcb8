from django.urls import path

from . import views

app_name = "letters_web"

urlpatterns = [
    path("casus/<uuid:case_id>/", views.case_letter, name="case_letter"),
    path("werkbak/<int:tray_id>/", views.tray_run, name="tray_run"),
    path("printruns/<uuid:run_id>/", views.run_detail, name="run"),
    path("printruns/<uuid:run_id>/brieven.pdf", views.run_pdf, name="run_pdf"),
]
