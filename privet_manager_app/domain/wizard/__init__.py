"""Wizard steps: the rules of each step of a client's file, in plain Python."""
