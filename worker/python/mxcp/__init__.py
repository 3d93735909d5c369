"""The parts of MXCP's Python package that endpoint code imports, served by the worker's Python host."""
