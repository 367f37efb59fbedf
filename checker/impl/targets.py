"""What ``--impl TARGET`` names, made into a model: a library on the package index behind its
adapter (``NAME`` or ``NAME==VERSION``), an adapter class of the user's own, or a class with the
seed's API (``path/to/file.py:Class`` or ``package.module:Class``, either of the last two).

A library named without a version is resolved here to the release the index offers today, and
the target recorded as ``NAME==VERSION``, so that a trace names the release that was checked.
"""

from __future__ import annotations

from attrs import evolve

from checker.impl.adapter import AdapterError
from checker.impl.driver import AdapterModel
from checker.impl.fetch import fetch, split_target
from checker.impl.libraries import ADAPTERS, adapter_class
from checker.impl.seed import ImplLoadError, ImplModel, check_instance, is_adapter, load_class
from checker.model.config import Config, ImplTarget


def parse_settings(pairs: list[str] | tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """``["KEY=VALUE", ...]`` as sorted pairs; raises AdapterError naming a bad one."""
    out: dict[str, str] = {}
    for text in pairs:
        key, sep, value = text.partition("=")
        key = key.strip()
        if not sep or not key or not key.replace("_", "").replace("-", "").replace(".", "").isalnum():
            raise AdapterError(f"--impl-conf {text}: must be KEY=VALUE (for example appendEntriesBatchSizeBytes=64)")
        if key in out and out[key] != value:
            raise AdapterError(f"--impl-conf {text}: {key} is already set to {out[key]!r}")
        out[key] = value
    return tuple(sorted(out.items()))


def library_adapter(name: str) -> type:
    """The adapter class of library ``name``; AdapterError, saying what else --impl takes, if none."""
    if name not in ADAPTERS:
        raise AdapterError(
            f"--impl {name}: no adapter for a library called {name} (known: {', '.join(sorted(ADAPTERS))}); "
            "your own class must be path/to/file.py:ClassName or package.module:ClassName"
        )
    try:
        return adapter_class(name)
    except ImportError as e:
        raise AdapterError(f"--impl {name}: its adapter cannot be imported ({type(e).__name__}: {e})") from None


def resolve(impl: ImplTarget) -> ImplTarget:
    """``impl`` with a library's version made explicit (fetching it if need be); raises
    AdapterError for an unknown library or a release that cannot be fetched."""
    if ":" in impl.target:
        return impl
    name, version = split_target(impl.target)
    library_adapter(name)  # An unknown library is refused before anything is fetched.
    if version is None:
        version, _ = fetch(name, None)
    return evolve(impl, target=f"{name}=={version}")


def default_network(impl: ImplTarget) -> str | None:
    """The network the adapter of ``impl`` says its implementation assumes; None for a seed-API
    class (checked on the network the configuration names). Raises ValueError."""
    if impl.library is not None:
        return library_adapter(split_target(impl.target)[0]).network
    cls = load_class(impl.target)
    return cls.network if is_adapter(cls) else None


def model_for_impl(config: Config) -> AdapterModel:
    """The model of ``config.impl``: raises ImplLoadError or AdapterError (both ValueError, one
    line each) for a target that cannot be used."""
    impl = config.impl
    assert impl is not None
    settings = dict(impl.settings)
    if impl.library is not None:
        impl = resolve(impl)
        adapter = library_adapter(impl.library)(impl.version, settings)
        return AdapterModel(evolve(config, impl=impl), adapter)
    cls = load_class(impl.target)
    if is_adapter(cls):
        return AdapterModel(config, cls(None, settings))
    if settings:
        raise AdapterError(f"--impl-conf applies to a library or an adapter, not to the seed-API class {impl.target}")
    return ImplModel(config)


def check_target(config: Config) -> Config:
    """``config`` with its target resolved and checked to make a model: its class loads and a
    fresh node has the API's attributes, or its adapter takes the settings. Raises ValueError."""
    impl = resolve(config.impl)
    config = evolve(config, impl=impl)
    if impl.library is None and not is_adapter(load_class(impl.target)):
        check_instance(impl, config.node_ids)
    model_for_impl(config)
    return config


__all__ = ["ImplLoadError", "check_target", "default_network", "model_for_impl", "parse_settings", "resolve"]
