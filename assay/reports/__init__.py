"""Reports: pure renderings of results (and the bundle, for evidence details). Never imports collectors."""
