"""Collection beyond one machine: shards of a collection (`shard`), and the merge that joins them (`merge`).

Import the submodules directly: `assay.evidence` depends on `shard`, and `merge` depends on `assay.evidence`.
"""
