"""Hashing methods. Each module defines one method and registers it with @register; modules in this package
are discovered automatically (see registry.py), so adding a method means adding one file."""
