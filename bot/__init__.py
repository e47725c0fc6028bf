"""Wayfinder: the hub, adviser console, service catalogue and language pieces of the chat assistant."""
