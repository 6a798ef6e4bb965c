"""Evidence kinds: the contract between the collector that writes a kind of evidence and every signal that
reads it, with the pure readers of that evidence that several packages share.

Collectors write these kinds; their own signals and the cross-source signals (`assay.crosssource`) read
them. Nothing here imports a collector, an SDK or the network.
"""
