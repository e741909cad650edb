"""Homework from one spec: exercise sheets, screened random variants with their keys.

asking (which quantities a sheet asks) -> exercise (the sheet and its answers template) ->
screening (rules a variant's asked values must pass) -> variants (drawing, screening, writing).
"""
