"""Name -> method class. Every module of vithash.methods is imported on first use, so a new method file
registers itself without touching any other file."""
import importlib
import pkgutil

_METHODS = {}


def register(name):
    def wrap(cls):
        cls.name = name
        _METHODS[name] = cls
        return cls

    return wrap


def _discover():
    import vithash.methods as pkg

    for info in pkgutil.iter_modules(pkg.__path__):
        if not info.name.startswith(("test_", "registry", "base")):
            importlib.import_module(f"vithash.methods.{info.name}")


def get_method(name):
    _discover()
    if name not in _METHODS:
        raise ValueError(f"unknown method {name!r}; known: {sorted(_METHODS)}")
    return _METHODS[name]


def method_names():
    _discover()
    return sorted(_METHODS)
