from apps.network.tests.network import cluster, election, fake_network, make_votes

__all__ = ["cluster", "election", "fake_network", "make_votes"]
