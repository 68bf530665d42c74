"""Typed app keys of the regions feature: the directory of regions and gemeenten, and its editing."""
from __future__ import annotations

from aiohttp import web

from bot.regions.directory import RegionDirectory
from bot.regions.editing import RegionEditing

REGIONS = web.AppKey("regions", RegionDirectory)
REGION_EDITING = web.AppKey("region_editing", RegionEditing)
