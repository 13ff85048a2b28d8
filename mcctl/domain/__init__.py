"""The estate in mcctl's own words: pure Python, standard library only, no I/O."""
