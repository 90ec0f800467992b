"""pandera row rules per raw table, on the parsed frame (raw column names, before hashing).

Column presence is checked separately from each connector's field list; these are the rules a
row must meet to land. A failing row goes to raw._quarantine with the check's name.
"""
