from django.urls import path

from validators.chain import views

urlpatterns = [
    path("health", views.health, name="health"),
]
