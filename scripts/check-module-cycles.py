#!/usr/bin/env python3
"""Fail when the module dependency graph of a Rust crate has a cycle.

Why this exists: rustc accepts modules that depend on each other in a
circle (`page` uses `params`, which uses `path`, which uses `protocol`,
which uses `page`), so nothing stops such knots from forming. They make a
module impossible to understand, test or move on its own, and they tend to
grow. This checker reads the crate's sources (no cargo, no build) and
reports every strongly connected component of more than one module, with
the file:line of one reference per edge, so an engineer can break it.

Usage: scripts/check-module-cycles.py [--edges] [--dot] [SRC_DIR ...]
(default SRC_DIR: kit/src, relative to the repository root).

How it reads a crate:
* The module tree starts at SRC_DIR/lib.rs (or main.rs) and follows
  `mod name;` as rustc does (`name.rs` or `name/mod.rs`, `#[path = ".."]`),
  whatever their `cfg`. Test code is ignored: inline `mod tests { .. }`,
  and any module or item under a `cfg` that requires `test`.
* References are `use` trees (`pub use` included) and paths in code
  (`crate::a::f()`, `super::b::X`, `self::c::Y`, `child::Z`, or a name
  imported as a module then used as a path prefix). Comments (doc comments
  included: intra-doc links are not dependencies) and string literals are
  skipped. A path names the deepest real module it goes through; re-exports
  are not followed (`crate::Erase` names the crate root).
* Edges: A -> B for each reference from A's file to module B. Dropped:
  self-edges, edges from the crate root, and edges to an ancestor of A (a
  child using its parent's items). Inline modules other than tests belong
  to the file that holds them.

Exit status: 0 without cycles, 1 with cycles, 2 on a usage error or a
crate root that cannot be found.
"""

import argparse
import os
import re
import sys

# ---------------------------------------------------------------- lexer


class Tok:
    __slots__ = ("kind", "v", "line")

    def __init__(self, kind, v, line):
        self.kind = kind  # "id", "str", "lit", "p"
        self.v = v
        self.line = line

    def __repr__(self):
        return "%s(%r)@%d" % (self.kind, self.v, self.line)


IDENT_RE = re.compile(r"[^\W\d]\w*")
NUMBER_RE = re.compile(r"\d\w*")
RAW_STR_RE = re.compile(r'(?:[bc]?r)(#*)"')
PREFIXED_STR_RE = re.compile(r'[bc]"')


def lex(text):
    """Tokens of Rust source, without comments; strings become one token."""
    toks = []
    i, n, line = 0, len(text), 1
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
            continue
        if c.isspace():
            i += 1
            continue
        if c == "/" and text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if c == "/" and text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth += 1
                    j += 2
                elif text.startswith("*/", j):
                    depth -= 1
                    j += 2
                else:
                    j += 1
            line += text.count("\n", i, j)
            i = j
            continue
        m = RAW_STR_RE.match(text, i)
        if m:
            close = '"' + m.group(1)
            j = text.find(close, m.end())
            j = n if j < 0 else j + len(close)
            toks.append(Tok("str", text[m.end():j - len(close)], line))
            line += text.count("\n", i, j)
            i = j
            continue
        if c == '"' or PREFIXED_STR_RE.match(text, i):
            start = i + 1 if c == '"' else i + 2
            j = start
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            toks.append(Tok("str", text[start:j], line))
            line += text.count("\n", i, j)
            i = j + 1
            continue
        if c == "'" or (c == "b" and text.startswith("b'", i)):
            q = i if c == "'" else i + 1
            if q + 1 < n and text[q + 1] == "\\":
                j = text.find("'", q + 3)
                i = n if j < 0 else j + 1
                toks.append(Tok("lit", "char", line))
                continue
            if q + 2 < n and text[q + 2] == "'":
                i = q + 3
                toks.append(Tok("lit", "char", line))
                continue
            # A lifetime or a label: `'a`, `'static`.
            m = IDENT_RE.match(text, q + 1)
            i = m.end() if m else q + 1
            continue
        if text.startswith("r#", i):
            m = IDENT_RE.match(text, i + 2)
            if m:
                toks.append(Tok("id", m.group(), line))
                i = m.end()
                continue
        m = IDENT_RE.match(text, i)
        if m:
            toks.append(Tok("id", m.group(), line))
            i = m.end()
            continue
        m = NUMBER_RE.match(text, i)
        if m:
            toks.append(Tok("lit", m.group(), line))
            i = m.end()
            continue
        if text.startswith("::", i):
            toks.append(Tok("p", "::", line))
            i += 2
            continue
        toks.append(Tok("p", c, line))
        i += 1
    return toks


OPEN = {"(": ")", "[": "]", "{": "}"}


def matching(toks, i):
    """Index of the token closing the group opened at `i` (or len(toks))."""
    depth = 0
    for j in range(i, len(toks)):
        t = toks[j]
        if t.kind != "p":
            continue
        if t.v in OPEN:
            depth += 1
        elif t.v in (")", "]", "}"):
            depth -= 1
            if depth == 0:
                return j
    return len(toks)


def is_p(toks, i, v):
    return i < len(toks) and toks[i].kind == "p" and toks[i].v == v


def is_id(toks, i, v=None):
    return i < len(toks) and toks[i].kind == "id" and (v is None or toks[i].v == v)


# ---------------------------------------------------------- module tree


class Module:
    def __init__(self, name, parent, file, child_dir, inline=False):
        self.name = name
        self.parent = parent
        self.file = file  # the file holding it
        self.child_dir = child_dir  # where its `mod x;` files live
        self.inline = inline
        self.children = {}
        self.aliases = {}  # name imported by `use` -> Module
        self.refs = []  # (segments, line, kind)
        self.owner = parent.owner if inline else self

    @property
    def path(self):
        names = []
        m = self
        while m.parent is not None:
            names.append(m.name)
            m = m.parent
        return "::".join(reversed(names)) or "crate"

    def ancestors(self):
        m = self.parent
        while m is not None:
            yield m
            m = m.parent


def cfg_requires_test(toks, i):
    """(whether the cfg predicate at toks[i] holds only under `test`, next index)."""
    if not is_id(toks, i):
        return False, i + 1
    name = toks[i].v
    if name in ("all", "any", "not") and is_p(toks, i + 1, "("):
        end = matching(toks, i + 1)
        j, parts = i + 2, []
        while j < end:
            req, j = cfg_requires_test(toks, j)
            parts.append(req)
            while j < end and not is_p(toks, j, ","):
                j += 1
            j += 1
        if name == "all":
            return any(parts), end + 1
        if name == "any":
            return bool(parts) and all(parts), end + 1
        return False, end + 1
    if is_p(toks, i + 1, "="):
        return False, i + 3
    return name == "test", i + 1


def attrs_test_only(attrs):
    for a in attrs:
        if is_id(a, 0, "cfg") and is_p(a, 1, "("):
            if cfg_requires_test(a, 2)[0]:
                return True
    return False


def attrs_path(attrs):
    """The value of `#[path = ".."]` (or `#[cfg_attr(.., path = "..")]`)."""
    for a in attrs:
        for j in range(len(a) - 2):
            if is_id(a, j, "path") and is_p(a, j + 1, "=") and a[j + 2].kind == "str":
                if j == 0 or (is_id(a, 0, "cfg_attr") and is_p(a, j - 1, ",")):
                    return a[j + 2].v
    return None


ITEM_KEYWORDS = {
    "use", "fn", "impl", "struct", "enum", "union", "trait", "type", "const",
    "static", "extern", "unsafe", "async", "macro_rules", "let", "mod",
}
TO_SEMICOLON = {"use", "const", "static", "let", "type"}


def skip_item(toks, i):
    """Index after the item starting at toks[i] (an item keyword)."""
    to_semi = toks[i].v in TO_SEMICOLON
    j = i
    while j < len(toks):
        t = toks[j]
        if t.kind == "p":
            if t.v == ";":
                return j + 1
            if t.v in OPEN:
                end = matching(toks, j)
                if t.v == "{" and not to_semi:
                    return end + 1
                j = end
        j += 1
    return j


class Crate:
    def __init__(self, src_dir):
        self.src_dir = src_dir
        self.warnings = []
        self.files = set()
        self.skipped_files = set()
        root_file = None
        for name in ("lib.rs", "main.rs"):
            if os.path.isfile(os.path.join(src_dir, name)):
                root_file = os.path.join(src_dir, name)
                break
        if root_file is None:
            raise SystemExit("check-module-cycles: no lib.rs or main.rs in %s" % src_dir)
        self.root = Module("crate", None, root_file, src_dir)
        self.load_file(self.root)

    def modules(self):
        """All file modules, root first."""
        out, stack = [], [self.root]
        while stack:
            m = stack.pop()
            if not m.inline:
                out.append(m)
            stack.extend(sorted(m.children.values(), key=lambda c: c.name, reverse=True))
        return out

    def all_scopes(self):
        out, stack = [], [self.root]
        while stack:
            m = stack.pop()
            out.append(m)
            stack.extend(m.children.values())
        return out

    def load_file(self, module):
        path = module.file
        if path in self.files:
            self.warnings.append("%s is loaded twice (second time as %s)" % (path, module.path))
            return
        self.files.add(path)
        with open(path, encoding="utf-8", errors="replace") as f:
            toks = lex(f.read())
        self.parse(module, toks)

    def declare_file_module(self, scope, name, attrs, line):
        explicit = attrs_path(attrs)
        base_file = scope.file
        if explicit is not None:
            # Relative to the file's directory, or to the inline module's
            # directory inside an inline module.
            base = scope.child_dir if scope.inline else os.path.dirname(base_file)
            file = os.path.normpath(os.path.join(base, explicit))
            child = Module(name, scope, file, os.path.dirname(file))
        else:
            flat = os.path.join(scope.child_dir, name + ".rs")
            nested = os.path.join(scope.child_dir, name, "mod.rs")
            if os.path.isfile(flat):
                child = Module(name, scope, flat, os.path.join(scope.child_dir, name))
            elif os.path.isfile(nested):
                child = Module(name, scope, nested, os.path.dirname(nested))
            else:
                self.warnings.append("%s:%d: no file for `mod %s;` (looked for %s and %s)"
                                     % (base_file, line, name, flat, nested))
                return
        if not os.path.isfile(child.file):
            self.warnings.append("%s:%d: no file %s for `mod %s;`" % (base_file, line, child.file, name))
            return
        scope.children[name] = child
        self.load_file(child)

    def parse(self, module, toks):
        n = len(toks)
        stack = [(module, None)]  # (scope, brace depth its block closes at)
        depth = 0
        attrs = []
        i = 0
        while i < n:
            scope = stack[-1][0]
            t = toks[i]
            if t.kind == "p" and t.v == "#":
                j = i + 1
                if is_p(toks, j, "!"):
                    j += 1
                if is_p(toks, j, "["):
                    end = matching(toks, j)
                    attrs.append(toks[j + 1:end])
                    i = end + 1
                    continue
            if is_id(toks, i, "pub"):
                # Visibility, `pub(in crate::x)` included, is no reference.
                i = matching(toks, i + 1) + 1 if is_p(toks, i + 1, "(") else i + 1
                continue
            test_only = attrs_test_only(attrs)
            if is_id(toks, i, "mod") and is_id(toks, i + 1) and (
                    is_p(toks, i + 2, ";") or is_p(toks, i + 2, "{")):
                name = toks[i + 1].v
                if is_p(toks, i + 2, ";"):
                    if test_only:
                        self.skipped_files.add(name)
                    else:
                        self.scan_attrs(scope, attrs)
                        self.declare_file_module(scope, name, attrs, t.line)
                    i += 3
                else:
                    if test_only or name == "tests":
                        i = matching(toks, i + 2) + 1
                    else:
                        self.scan_attrs(scope, attrs)
                        child = Module(name, scope, scope.file,
                                       os.path.join(scope.child_dir, name), inline=True)
                        scope.children[name] = child
                        stack.append((child, depth))
                        depth += 1
                        i += 3
                attrs = []
                continue
            if test_only and t.kind == "id" and t.v in ITEM_KEYWORDS:
                i = skip_item(toks, i)
                attrs = []
                continue
            self.scan_attrs(scope, attrs)
            attrs = []
            if is_id(toks, i, "use"):
                i = self.parse_use(scope, toks, i + 1)
                continue
            if t.kind == "p":
                if t.v == "{":
                    depth += 1
                elif t.v == "}":
                    depth -= 1
                    if len(stack) > 1 and depth == stack[-1][1]:
                        stack.pop()
                i += 1
                continue
            if t.kind == "id" and is_p(toks, i + 1, "::") and is_id(toks, i + 2) and not (
                    i > 0 and is_p(toks, i - 1, "::")):
                segs = [t.v]
                j = i + 1
                while is_p(toks, j, "::") and is_id(toks, j + 1):
                    segs.append(toks[j + 1].v)
                    j += 2
                scope.refs.append((segs, t.line, "code"))
                i = j
                continue
            i += 1
        if depth != 0 or len(stack) != 1:
            self.warnings.append("%s: unbalanced braces (depth %d at the end): references may "
                                 "be misattributed" % (module.file, depth))

    def scan_attrs(self, scope, attrs):
        for a in attrs:
            for j, t in enumerate(a):
                if t.kind == "id" and is_p(a, j + 1, "::") and is_id(a, j + 2) and not (
                        j > 0 and is_p(a, j - 1, "::")):
                    segs = [t.v]
                    k = j + 1
                    while is_p(a, k, "::") and is_id(a, k + 1):
                        segs.append(a[k + 1].v)
                        k += 2
                    scope.refs.append((segs, t.line, "code"))

    def parse_use(self, scope, toks, i):
        """Records the paths of a use tree starting at toks[i]; index after `;`."""
        n = len(toks)
        out = []

        def tree(i, prefix):
            if is_p(toks, i, "::"):
                prefix = prefix + ["::"]
                i += 1
            if is_p(toks, i, "{"):
                i += 1
                while i < n and not is_p(toks, i, "}") and not is_p(toks, i, ";"):
                    j = tree(i, prefix)
                    i = j if j > i else i + 1
                    if is_p(toks, i, ","):
                        i += 1
                return i + 1 if is_p(toks, i, "}") else i
            if is_p(toks, i, "*"):
                out.append((prefix, toks[i].line, None))
                return i + 1
            segs, line = list(prefix), toks[i].line if i < n else 0
            while is_id(toks, i):
                segs.append(toks[i].v)
                line = toks[i].line
                i += 1
                if is_p(toks, i, "::"):
                    if is_p(toks, i + 1, "{") or is_p(toks, i + 1, "*"):
                        return tree(i + 1, segs)
                    i += 1
                else:
                    break
            alias = None
            if is_id(toks, i, "as") and is_id(toks, i + 1):
                alias = toks[i + 1].v
                i += 2
            if len(segs) > len(prefix):
                if segs[-1] == "self":
                    segs = segs[:-1]
                name = alias or (segs[-1] if segs else None)
                out.append((segs, line, name))
            return i

        j = tree(i, [])
        while j < n and not is_p(toks, j, ";"):
            j += 1
        for segs, line, name in out:
            if segs:
                scope.refs.append((segs, line, ("use", name)))
        return j + 1


# ------------------------------------------------------------- resolution


def resolve(scope, segs):
    """(deepest module a path names, whether every segment was a module) or None."""
    first = segs[0]
    if first == "::":
        return None
    if first == "crate":
        node = scope
        while node.parent is not None:
            node = node.parent
    elif first == "self":
        node = scope
    elif first == "super":
        node = scope.parent
    elif first in scope.children:
        node = scope.children[first]
    elif first in scope.aliases:
        node = scope.aliases[first]
    else:
        return None
    if node is None:
        return None
    for s in segs[1:]:
        if s == "super":
            node = node.parent
            if node is None:
                return None
        elif s == "self":
            continue
        elif s in node.children:
            node = node.children[s]
        else:
            return node, False
    return node, True


def build_graph(crate):
    """{(A, B): [(file, line), ...]} between file modules, after the drops."""
    scopes = crate.all_scopes()
    # Names imported as modules (`use crate::ssr::cache;`), then usable as a
    # path prefix; twice, for a `use` that goes through another's name.
    for _ in range(2):
        for scope in scopes:
            for segs, _line, kind in scope.refs:
                if kind == "code" or not kind[1] or kind[1] == "_":
                    continue
                r = resolve(scope, segs)
                if r and r[1] and kind[1] not in scope.children:
                    scope.aliases[kind[1]] = r[0]
    edges = {}
    for scope in scopes:
        a = scope.owner
        if a.parent is None:
            continue
        ancestors = set(id(m.owner) for m in a.ancestors())
        for segs, line, _kind in scope.refs:
            r = resolve(scope, segs)
            if r is None:
                continue
            b = r[0].owner
            if b is a or id(b) in ancestors:
                continue
            edges.setdefault((a, b), []).append((scope.file, line))
    for refs in edges.values():
        refs.sort()
    return edges


def strongly_connected(nodes, edges):
    """Tarjan's algorithm, iterative; components in discovery order."""
    succ = {id(n): [] for n in nodes}
    for a, b in edges:
        succ[id(a)].append(b)
    index, low, on_stack = {}, {}, set()
    stack, comps, counter = [], [], 0
    for root in nodes:
        if id(root) in index:
            continue
        work = [(root, 0)]
        while work:
            v, pi = work.pop()
            if pi == 0:
                index[id(v)] = low[id(v)] = counter
                counter += 1
                stack.append(v)
                on_stack.add(id(v))
            recurse = False
            targets = succ[id(v)]
            while pi < len(targets):
                w = targets[pi]
                pi += 1
                if id(w) not in index:
                    work.append((v, pi))
                    work.append((w, 0))
                    recurse = True
                    break
                if id(w) in on_stack:
                    low[id(v)] = min(low[id(v)], index[id(w)])
            if recurse:
                continue
            if low[id(v)] == index[id(v)]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(id(w))
                    comp.append(w)
                    if w is v:
                        break
                comps.append(comp)
            if work:
                u = work[-1][0]
                low[id(u)] = min(low[id(u)], low[id(v)])
    return comps


def analyze(src_dir):
    """(crate, edges, cycles): cycles are lists of modules, sorted by path."""
    crate = Crate(src_dir)
    nodes = crate.modules()
    edges = build_graph(crate)
    comps = [sorted(c, key=lambda m: m.path) for c in strongly_connected(nodes, edges) if len(c) > 1]
    comps.sort(key=lambda c: [m.path for m in c])
    return crate, edges, comps


# ----------------------------------------------------------------- output


def where(refs):
    """`file:l1,l2 file2:l3` for a list of (file, line)."""
    by_file = {}
    for f, line in refs:
        by_file.setdefault(f, [])
        if line not in by_file[f]:
            by_file[f].append(line)
    return " ".join("%s:%s" % (f, ",".join(str(x) for x in lines)) for f, lines in by_file.items())


def orphan_files(crate):
    loaded = set(os.path.normpath(f) for f in crate.files)
    out = []
    for dirpath, dirnames, filenames in os.walk(crate.src_dir):
        dirnames[:] = sorted(d for d in dirnames if d != "bin")
        for f in sorted(filenames):
            p = os.path.normpath(os.path.join(dirpath, f))
            if dirpath == crate.src_dir and f in ("lib.rs", "main.rs"):
                continue  # the other crate root of a package with both
            if f.endswith(".rs") and p not in loaded and f[:-3] not in crate.skipped_files:
                out.append(p)
    return out


def report(src_dir, args):
    crate, edges, cycles = analyze(src_dir)
    for w in crate.warnings:
        print("check-module-cycles: warning: " + w, file=sys.stderr)
    for p in orphan_files(crate):
        print("check-module-cycles: warning: %s is in no module tree" % p, file=sys.stderr)
    nodes = crate.modules()
    ordered = sorted(edges.items(), key=lambda e: (e[0][0].path, e[0][1].path))
    in_cycle = set()
    for comp in cycles:
        ids = set(id(m) for m in comp)
        for (a, b) in edges:
            if id(a) in ids and id(b) in ids:
                in_cycle.add((id(a), id(b)))
    if args.edges:
        print("# edges of %s" % src_dir)
        for (a, b), refs in ordered:
            mark = " [cycle]" if (id(a), id(b)) in in_cycle else ""
            print("%s -> %s%s  %s" % (a.path, b.path, mark, where(refs)))
    if args.dot:
        print('digraph "%s" {' % src_dir)
        print("  rankdir=LR;")
        for m in nodes:
            print('  "%s";' % m.path)
        for (a, b), refs in ordered:
            color = ' [color=red]' if (id(a), id(b)) in in_cycle else ""
            print('  "%s" -> "%s"%s;' % (a.path, b.path, color))
        print("}")
    if not cycles:
        print("module cycles: none among %d modules of %s" % (len(nodes), src_dir))
        return 0
    print("module cycles: %d among %d modules of %s" % (len(cycles), len(nodes), src_dir))
    for k, comp in enumerate(cycles, 1):
        ids = set(id(m) for m in comp)
        print("cycle %d: %s" % (k, ", ".join(m.path for m in comp)))
        for (a, b), refs in ordered:
            if id(a) in ids and id(b) in ids:
                print("  %s -> %s  %s" % (a.path, b.path, where(refs)))
    return 1


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Fail when the module dependency graph of a Rust crate has a cycle.")
    parser.add_argument("src_dirs", nargs="*", metavar="SRC_DIR", default=["kit/src"],
                        help="a crate's source directory, holding lib.rs or main.rs "
                             "(default: kit/src, relative to the repository root)")
    parser.add_argument("--edges", action="store_true", help="list every edge with file:line")
    parser.add_argument("--dot", action="store_true", help="print the graph for Graphviz")
    args = parser.parse_args(argv)
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    status = 0
    for src in args.src_dirs:
        if not os.path.isdir(src):
            print("check-module-cycles: %s: no such directory" % src, file=sys.stderr)
            return 2
        status = max(status, report(os.path.normpath(src), args))
    return status


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # `| head`
        sys.stderr.close()
        sys.exit(1)
