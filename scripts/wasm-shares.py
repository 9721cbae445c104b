#!/usr/bin/env python3
"""Where the browser's wasm goes: each crate's share of its bytes, and each
module's share of the kit's (`server_props`), from `twiggy top` on the
wasm before `wasm-opt` (which keeps the function names).

    scripts/wasm-shares.py [client.wasm] [--types-of CRATE]

Default input: target/front/wasm32-unknown-unknown/wasm-release/client.wasm,
what `scripts/build-release.sh` leaves before wasm-bindgen and wasm-opt.
It goes through `wasm-bindgen --keep-debug` first (into a temporary
folder), which drops the descriptors wasm-bindgen reads and never ships
and keeps the names. Needs `twiggy` (`cargo install twiggy`) and the
wasm-bindgen CLI. Prints two Markdown tables (docs/performance.md, "Where
the wasm goes"), and with `--types-of serde_json` a third: that crate's
bytes by whose types its generic code was instantiated for (the app's,
the kit's, or none: its own machinery).

A function is counted for the crate its path starts with, a trait method
(`<T as Trait>::f`) for the crate of `T`, so a generic function is counted
for the crate that wrote it, whatever types it was instantiated with.
Items without a Rust path (data segments, the function table, wasm-bindgen's
imports) are counted apart; custom sections (the names, wasm-bindgen's
descriptions), which are not shipped, are left out. Sizes are twiggy's
shallow sizes: each item's own bytes. The input is before `wasm-opt`, so
the shares are of unoptimised code: `wasm-opt -Oz` then shrinks each part
by its own ratio.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "target/front/wasm32-unknown-unknown/wasm-release/client.wasm"


PRIMITIVE = r"(str|char|bool|[iu](8|16|32|64|128|size)|f(32|64))\b(?!::)"


def owner(name: str) -> list[str]:
    """The path an item belongs to, as segments (`["tachys", "view", …]`)."""
    # v0 mangling names each crate with its hash: `tachys[0123abcd]::…`.
    name = re.sub(r"(?<=\w)\[[0-9a-f]{16}\]", "", name.strip())
    # `<T as Trait>::f` belongs to `T`, or to `Trait` for a blanket impl
    # (`<_ as Trait>`); `<T>::f` to `T`.
    while name.startswith("<"):
        depth, split, end = 0, None, None
        for i, c in enumerate(name):
            if c == "<":
                depth += 1
            elif c == ">":
                depth -= 1
                if depth == 0:
                    end = i
                    break
            elif depth == 1 and name.startswith(" as ", i) and split is None:
                split = i
        inner = name[1:split] if split is not None else name[1:end]
        if inner.strip() in ("_", "&_", "&mut _") and split is not None:
            inner = name[split + 4 : end]
        name = inner.strip()
    name = name.lstrip("&*").removeprefix("mut ").removeprefix("const ")
    name = name.removeprefix("dyn ").strip()
    # The language's own types: their methods are `core`'s.
    if name.startswith(("[", "(", "fn(", "*")) or re.match(PRIMITIVE, name):
        return ["core"]
    path = re.split(r"[<>\s,(\[{]", name, maxsplit=1)[0]
    return [s for s in path.split("::") if s]


def kit_module(segments: list[str]) -> str:
    """The kit's module (a file of kit/src) a path below `server_props` is in."""
    module: list[str] = []
    folder = ROOT / "kit/src"
    for segment in segments:
        if (folder / f"{segment}.rs").exists() or (folder / segment / "mod.rs").exists():
            module.append(segment)
            folder = folder / segment
        else:
            break
    return "::".join(module) or "(lib.rs)"


def main() -> int:
    args = sys.argv[1:]
    types_of = None
    if "--types-of" in args:
        at = args.index("--types-of")
        types_of = args[at + 1]
        del args[at : at + 2]
    wasm = Path(args[0]) if args else DEFAULT
    if not wasm.exists():
        print(f"wasm-shares: {wasm} is missing: make build-release", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(
            ["wasm-bindgen", "--target", "web", "--no-typescript", "--keep-debug",
             "--out-dir", folder, str(wasm)],
            check=True,
        )
        out = subprocess.run(
            ["twiggy", "top", "-n", "10000000", "-f", "csv", f"{folder}/{wasm.stem}_bg.wasm"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    crates: Counter[str] = Counter()
    modules: Counter[str] = Counter()
    instantiated: Counter[str] = Counter()
    total = 0
    skipped = 0
    for row in csv.DictReader(io.StringIO(out)):
        name, size = row["Name"], int(row["ShallowSize"])
        # Names and wasm-bindgen's descriptions: custom sections that
        # wasm-bindgen and wasm-opt strip, never shipped.
        if name.startswith("custom section") or name == '"function names" subsection':
            skipped += size
            continue
        total += size
        if name.startswith(("data segment", "data[")):
            crates["(data segments)"] += size
            continue
        if name.startswith(("import ", "export ", "elem[", "table[", "type[", "global[", "memory[")):
            crates["(imports, exports, tables)"] += size
            continue
        if name.startswith('"') or name.endswith((" headers", "magic bytes")):
            crates["(section headers)"] += size
            continue
        segments = owner(name)
        if not segments or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", segments[0]):
            crates["(no Rust path: wasm-bindgen's shims)"] += size
            continue
        crate = segments[0]
        crates[crate] += size
        if crate == types_of:
            named = re.findall(r"\b(app|server_props)(?:\[[0-9a-f]{16}\])?::", name)
            instantiated[f"the types of `{named[0]}`" if named else "none (its own code)"] += size
        if crate == "server_props":
            modules[kit_module(segments[1:])] += size
    shown_name = wasm.relative_to(ROOT) if wasm.is_relative_to(ROOT) else wasm
    print(f"{shown_name}: {total:,} bytes of code and data ({skipped:,} more in custom sections, not shipped)\n")
    print("| crate | bytes | share |\n|---|---:|---:|")
    shown = 0
    for crate, size in crates.most_common():
        if size * 1000 < total and crate != "server_props":
            continue
        shown += size
        print(f"| `{crate}` | {size:,} | {100 * size / total:.1f}% |")
    print(f"| others (each under 0.1%) | {total - shown:,} | {100 * (total - shown) / total:.1f}% |")
    kit = crates["server_props"]
    print(f"\n| `server_props` module | bytes | share of the kit |\n|---|---:|---:|")
    for module, size in modules.most_common():
        print(f"| `{module}` | {size:,} | {100 * size / kit:.1f}% |")
    if types_of:
        print(f"\n| `{types_of}` instantiated for | bytes |\n|---|---:|")
        for whose, size in instantiated.most_common():
            print(f"| {whose} | {size:,} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
