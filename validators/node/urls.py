from django.urls import include, path

urlpatterns = [
    path("", include("validators.chain.urls")),
]
