"""The OCDS 1.1.5 schema with the extensions the portal declares, from files vendored in
tests/data/ocds (no network at test time), and a check that names every error."""

import json
from functools import cache
from pathlib import Path

from jsonschema import Draft4Validator

HERE = Path(__file__).parent / "data" / "ocds"
# Each declared extension's release-schema patch, by the name in its extension.json URL.
PATCHES = {
    "ocds_bid_extension": "bids-release-schema.json",
    "ocds_lots_extension": "lots-release-schema.json",
    "ocds_awardCriteria_extension": "awardCriteria-release-schema.json",
}


def merge_patch(target, patch):
    """RFC 7386, as OCDS applies an extension to the release schema."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _load(name: str) -> dict:
    return json.loads((HERE / name).read_text(encoding="utf-8"))


@cache
def release_validator(extensions: tuple[str, ...]) -> Draft4Validator:
    schema = _load("release-schema.json")
    for url in extensions:
        (name,) = [key for key in PATCHES if f"/{key}/" in url]
        schema = merge_patch(schema, _load(PATCHES[name]))
    return Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)


@cache
def package_validator() -> Draft4Validator:
    schema = _load("release-package-schema.json")
    # Releases are checked one by one against the extended release schema.
    schema["properties"]["releases"]["items"] = {"type": "object"}
    return Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)


def errors(package: dict) -> list[str]:
    """Every way `package` departs from the schema, as "path: message" lines."""
    found = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in package_validator().iter_errors(package)
    ]
    unknown = [u for u in package.get("extensions", []) if not any(f"/{k}/" in u for k in PATCHES)]
    found += [f"extensions: {u} is not vendored" for u in unknown]
    if unknown:
        return found
    validator = release_validator(tuple(package.get("extensions", [])))
    for index, release in enumerate(package.get("releases", [])):
        found += [
            f"releases/{index}/{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(release)
        ]
    return found
