"""One module per stage of the day (MODEL §3), in the order the engine runs them:

1. ``policies``    interventions due today act or set today's parameters
2. ``inflow``      arrivals into the corridor
3. ``movement``    travel, settling in camps, returns from shelters and returns agreements
4. ``camps``       camp populations by nationality, density, tension, incidents
5. ``clearances``  routine evictions and major clearances (buses, shelters, dispersal)
6. ``market``      the smuggling market (prices, entry, exit, arrests, boat stock)
7. ``decisions``   each person due to decide picks an option (random utility)
8. ``crossings``   attempts resolve (lorries, boats, legal route), returns agreement
9. ``results``     counts by state and site; finished people leave the active index
"""
