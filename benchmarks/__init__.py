"""`make bench`: the pipeline at brand scale, timed stage by stage."""
