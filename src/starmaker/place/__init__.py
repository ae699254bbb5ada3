"""Place: where stars are and how they move — frames, kinematics, dust along lines of sight,
cluster places.
"""
