"""Pure validator logic: canonical encoding, keys, blocks, consensus. No Django, network or clock."""
