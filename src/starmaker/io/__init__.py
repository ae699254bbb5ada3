"""Input and output: Parquet (atomic writes with the schema's units), and the published catalogues
(Hipparcos, Gaia) read into the schema.
"""
