"""`make bench`: load and profile the running stack (see README, Performance)."""
