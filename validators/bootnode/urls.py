from django.urls import path, re_path

from validators.bootnode import views

urlpatterns = [
    path("register_peer", views.register_peer, name="register_peer"),
    path("heartbeat", views.heartbeat, name="heartbeat"),
    path("discover", views.discover, name="discover"),
    path("peers", views.peers, name="peers"),
    path("stats", views.stats, name="stats"),
    path("health", views.health, name="health"),
    # Last: any other path is a JSON 404, also under DEBUG (whose 404 page is HTML).
    re_path(r"", views.unknown_route),
]

handler400 = views.bad_request
handler500 = views.server_error
