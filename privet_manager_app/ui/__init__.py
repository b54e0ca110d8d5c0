"""Reflex surface: pages and their small states. Thin: each action calls one domain function."""
