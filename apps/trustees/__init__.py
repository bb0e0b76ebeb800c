"""Trustees: who holds an election's key, the key ceremony they run, and their partial
decryptions. The server stores public material only (docs/trustees.md)."""
