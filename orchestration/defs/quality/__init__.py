"""Asset checks wrapping quality/: the great-expectations gates on staging and marts."""
