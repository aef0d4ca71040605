from django.urls import path

from . import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("preferences/elderly/", views.toggle_elderly, name="toggle_elderly"),
]
