"""Long actions started from the screens, run in the background with a status page."""
