"""The registry is the one list of vendors: every entry is complete (client, sandbox, price, rate,
roles), configuration comes from settings, and everything that needs the list of vendors (the
waterfall's choices, the sandbox app's routes) derives it from here, so a new entry shows up there
without touching anything else."""

from __future__ import annotations

import ast
import importlib
import sys
import types
from pathlib import Path

import pytest
from starlette.routing import Route

from outsignal_pipelines.clients import base, registry
from outsignal_pipelines.clients.base import BaseClient, PersonInput, ProviderResult

ROOT = Path(__file__).resolve().parents[2]
VENDORS = sorted(registry.VENDORS)


# ------------------------------------------------------------------ every entry is complete

@pytest.mark.parametrize("name", VENDORS)
def test_every_vendor_has_a_client_a_price_and_a_rate(name):
    spec = registry.vendor(name)
    assert spec.name == name and spec.env and spec.env == spec.env.upper()
    assert issubclass(spec.client_class, BaseClient) and spec.client_class.vendor == name
    assert spec.usd_per_credit > 0 and spec.default_rps > 0
    assert spec.default_url.startswith("https://")
    assert spec.roles, "a vendor nobody can use"
    for role in spec.roles:
        assert role.kind in registry.ROLE_KINDS
        assert getattr(spec.client_class, role.call.__name__) is role.call  # a method of its own client
        if role.kind == registry.FIND_EMAIL:
            assert role.asks_by and set(role.asks_by) <= {registry.BY_LINKEDIN, registry.BY_NAME}


@pytest.mark.parametrize("name", VENDORS)
def test_every_vendor_has_a_sandbox_module_with_routes(name):
    from outsignal_pipelines.sandbox import state

    spec = registry.vendor(name)
    assert spec.sandbox_module.startswith("outsignal_pipelines.sandbox.")
    module = importlib.import_module(spec.sandbox_module)
    routes = module.routes(f"/{name}")
    assert routes and all(isinstance(r, Route) and r.path.startswith(f"/{name}/") for r in routes)
    assert state.FAKES[name].name == name  # its credits, rate limit and failures are configurable


def test_ledger_steps_are_unique_and_name_their_vendor():
    steps = [role.step for spec in registry.VENDORS.values() for role in spec.roles]
    assert len(steps) == len(set(steps))
    assert registry.steps() == {s: registry.vendor_for_step(s).name for s in steps}


def test_product_defaults_are_registered_vendors_in_the_right_roles():
    from outsignal_pipelines.operations.enrichment import waterfall

    assert set(waterfall.DEFAULT_FINDER_ORDER) <= set(registry.names_with(registry.FIND_EMAIL))
    assert waterfall.DEFAULT_VERIFIER in registry.names_with(registry.VERIFY_EMAIL)
    assert registry.first_role(registry.COMPANY_DATA) and registry.first_role(registry.CRAWL)


def test_clients_never_import_the_sandbox():
    for path in (ROOT / "outsignal_pipelines" / "clients").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom | ast.Import):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                assert not any(n.startswith("outsignal_pipelines.sandbox") for n in names), path.name


# ------------------------------------------------------------------ configuration from settings

def test_base_urls_and_keys_come_from_settings(monkeypatch):
    monkeypatch.delenv("OUTSIGNAL_PROSPEO_URL", raising=False)
    monkeypatch.delenv("OUTSIGNAL_SANDBOX_URL", raising=False)
    monkeypatch.delenv("PROSPEO_API_KEY", raising=False)
    assert registry.base_url("prospeo") == "https://api.prospeo.io"
    assert registry.api_key("prospeo") is None
    monkeypatch.setenv("OUTSIGNAL_SANDBOX_URL", "http://127.0.0.1:9/")
    assert registry.base_url("prospeo") == "http://127.0.0.1:9/prospeo"
    assert registry.api_key("prospeo") == "sandbox-key"
    monkeypatch.setenv("OUTSIGNAL_PROSPEO_URL", "http://override/")
    assert registry.base_url("prospeo") == "http://override"
    monkeypatch.setenv("PROSPEO_API_KEY", "real")
    assert registry.api_key("prospeo") == "real"


def test_missing_key_means_not_configured(monkeypatch):
    monkeypatch.delenv("PROSPEO_API_KEY", raising=False)
    monkeypatch.delenv("OUTSIGNAL_PROSPEO_URL", raising=False)
    monkeypatch.delenv("OUTSIGNAL_SANDBOX_URL", raising=False)
    with pytest.raises(base.ProviderNotConfigured, match="PROSPEO_API_KEY"):
        registry.vendor("prospeo").client()


def test_rate_limit_and_cost(monkeypatch):
    monkeypatch.delenv("OUTSIGNAL_LEADMAGIC_RPS", raising=False)
    assert registry.rate_limit("leadmagic") == registry.vendor("leadmagic").default_rps
    monkeypatch.setenv("OUTSIGNAL_LEADMAGIC_RPS", "7.5")
    assert registry.rate_limit("leadmagic") == 7.5
    monkeypatch.setenv("OUTSIGNAL_LEADMAGIC_RPS", "fast")
    assert registry.rate_limit("leadmagic") == registry.vendor("leadmagic").default_rps
    assert registry.cost_usd("prospeo", 3) == round(3 * registry.vendor("prospeo").usd_per_credit, 6)


def test_a_client_from_the_registry_points_at_the_sandbox(monkeypatch):
    monkeypatch.setenv("OUTSIGNAL_SANDBOX_URL", "http://127.0.0.1:9")
    monkeypatch.delenv("OUTSIGNAL_FIRECRAWL_URL", raising=False)
    monkeypatch.delenv("FIRECRAWL_API_KEY", raising=False)
    client = registry.vendor("firecrawl").client(timeout=1.0)
    assert client.url == "http://127.0.0.1:9/firecrawl" and client.key == "sandbox-key"


# ------------------------------------------------------------------ a new entry shows up everywhere

class _NewClient(BaseClient):
    vendor = "newvendor"

    async def find(self, person: PersonInput) -> ProviderResult:
        return ProviderResult(self.vendor, "not_found")

    async def check(self, email: str) -> ProviderResult:
        return ProviderResult(self.vendor, "found", {}, "valid", 1.0)


async def _new_vendor_endpoint(request):  # pragma: no cover - only mounted, never called
    raise AssertionError


@pytest.fixture
def new_vendor(monkeypatch):
    """A sixth-plus-one vendor added the documented way: a client, a sandbox module, one entry."""
    sandbox_module = types.ModuleType("newvendor_sandbox")
    sandbox_module.routes = lambda prefix: [Route(f"{prefix}/v1/find", _new_vendor_endpoint, methods=["POST"])]
    monkeypatch.setitem(sys.modules, "newvendor_sandbox", sandbox_module)
    spec = registry.Vendor("newvendor", "NEWVENDOR", "https://api.newvendor.test", 0.004, 3.0, _NewClient, (
        registry.Role(registry.FIND_EMAIL, "newvendor", _NewClient.find, (registry.BY_NAME,)),
        registry.Role(registry.VERIFY_EMAIL, "newvendor-verify", _NewClient.check),
    ), "newvendor_sandbox")
    monkeypatch.setitem(registry.VENDORS, "newvendor", spec)
    return spec


def test_a_new_entry_is_mounted_by_the_sandbox_app(new_vendor):
    from outsignal_pipelines.sandbox.app import create_app

    paths = {route.path for route in create_app().routes}
    assert "/newvendor/v1/find" in paths
    assert {f"/{name}" for name in VENDORS} <= {"/" + p.split("/")[1] for p in paths}


def test_a_new_entry_is_a_waterfall_choice(new_vendor, monkeypatch):
    from outsignal_pipelines.operations.enrichment.waterfall import Waterfall, WaterfallConfig

    config = WaterfallConfig(finder_order=("aiark", "newvendor"), verifier="newvendor")
    assert registry.vendor_for_step("newvendor-verify") is new_vendor
    question = PersonInput("Ann", "Lee", "Co", "co.example")
    step, key, _ = Waterfall("acme", config)._finder_call("newvendor", question)
    assert (step, key) == ("newvendor", "name:ann|lee|co.example")
    monkeypatch.delitem(registry.VENDORS, "newvendor")
    with pytest.raises(ValueError, match="unknown email finder"):
        WaterfallConfig(finder_order=("newvendor",))


# ------------------------------------------------------------------ nobody else keeps the list

# Modules that still spell out every vendor; each should derive the list from the registry instead.
KNOWN_COPIES: set[str] = set()


def _literal_names(node: ast.AST) -> set[str]:
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        items = node.elts
    elif isinstance(node, ast.Dict):
        items = [k for k in node.keys if k is not None]
    else:
        return set()
    return {item.value.lower() for item in items if isinstance(item, ast.Constant) and isinstance(item.value, str)}


def test_no_module_but_the_registry_hard_codes_the_vendor_list():
    names = set(registry.VENDORS)
    copies = set()
    for folder in ("outsignal_pipelines", "benchmarks"):
        for path in (ROOT / folder).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if relative == "outsignal_pipelines/clients/registry.py":
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            if any(names <= _literal_names(node) for node in ast.walk(tree)):
                copies.add(relative)
    assert copies <= KNOWN_COPIES, f"derive the vendor list from clients.registry in {sorted(copies - KNOWN_COPIES)}"
