"""The Milky Way: its components (discs, halo, bulge), and the magnitude-limited survey that makes
only the stars brighter than a limit.
"""
