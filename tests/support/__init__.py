"""Helpers for the test-suite: real processes on free loopback ports."""
