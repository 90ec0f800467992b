"""Mini-program mall: orders and members pulled from the mall's REST API, a day at a time."""
