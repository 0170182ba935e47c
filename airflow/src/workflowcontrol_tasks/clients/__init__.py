"""Clients for the servers tasks talk to; tasks call them and keep to their own logic."""
