"""Observe: the sky a person sees — the observer (place, time, Sun, Moon, planets, evenings), the
eye's visibility model, and the sky.
"""
