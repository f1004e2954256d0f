"""Input and output: vector and vocabulary file formats, sessions, export, sources, guards."""
