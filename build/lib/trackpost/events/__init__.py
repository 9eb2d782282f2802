"""The event log: the one seam through which a change tells stats and delivery about itself."""
