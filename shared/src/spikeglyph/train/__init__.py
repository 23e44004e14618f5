"""Training extra (``pip install spikeglyph[train]``): everything that needs torch.

Import from the submodules (``spikeglyph.train.api`` for whole jobs); importing this package
itself stays cheap so the CLI can show ``--help`` without loading torch.
"""
