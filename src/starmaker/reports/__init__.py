"""Reports over made stars: integrated light, recipe comparisons, timelines and validation against
the real sky.
"""
