"""The bot service's public routes as deploy/public_routes.txt lists them: what a reverse proxy
in front of it (deploy/Caddyfile, `make cluster`'s HAProxy) must pass, and nothing else."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from support.paths import ROOT

PUBLIC_ROUTES_FILE = ROOT / "deploy" / "public_routes.txt"


@dataclass(frozen=True)
class PublicRoute:
    kind: str  # "exact": the path only; "prefix": every path below it
    path: str

    def admits(self, path: str) -> bool:
        return path == self.path if self.kind == "exact" else path.startswith(self.path)

    def example(self) -> str:
        """A path a request may use: the path itself, or one below the prefix."""
        return self.path if self.kind == "exact" else self.path + "example"


def public_routes(path: Path = PUBLIC_ROUTES_FILE) -> list[PublicRoute]:
    routes = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            kind, route = line.split()
            # A prefix ends in "/", so /staff/ never admits /staffing; an exact path does not.
            trailing = route.endswith("/") and route != "/"
            if kind not in ("exact", "prefix") or not route.startswith("/") or (kind == "prefix") != trailing:
                raise ValueError(f"{path.name}: not `exact /path` or `prefix /path/`: {line}")
            routes.append(PublicRoute(kind, route))
    return routes


def is_public(path: str, routes: list[PublicRoute] | None = None) -> bool:
    return any(route.admits(path) for route in (routes if routes is not None else public_routes()))
