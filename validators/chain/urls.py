from django.urls import path

from validators.chain import views

urlpatterns = [
    path("rpc", views.rpc_endpoint, name="rpc"),
    path("health", views.health, name="health"),
    path("metrics", views.metrics_endpoint, name="metrics"),
    path("blockchain", views.blockchain, name="blockchain"),
    path("peer/message", views.peer_message, name="peer-message"),
    path("peer/blocks", views.peer_blocks, name="peer-blocks"),
    path("peer/transactions", views.peer_transactions, name="peer-transactions"),
    path(
        "peer/transactions/lookup",
        views.peer_transactions_lookup,
        name="peer-transactions-lookup",
    ),
]
