"""Framework-free OneID resolution: connected components over identifier edges."""
