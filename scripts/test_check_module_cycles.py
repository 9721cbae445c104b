#!/usr/bin/env python3
"""Tests of scripts/check-module-cycles.py on small fixture crates.

Run: python3 scripts/test_check_module_cycles.py
"""

import importlib.util
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "check-module-cycles.py")
_spec = importlib.util.spec_from_file_location("check_module_cycles", SCRIPT)
cmc = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cmc)


class CrateTest(unittest.TestCase):
    def crate(self, files):
        """Writes `files` ({relative path: source}) into a fresh src dir."""
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        src = os.path.join(tmp.name, "src")
        for rel, text in files.items():
            path = os.path.join(src, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(textwrap.dedent(text))
        return src

    def analyze(self, files):
        """(module paths, {(a, b): [lines]}, [[cycle module paths]])."""
        crate, edges, cycles = cmc.analyze(self.crate(files))
        self.assertEqual(crate.warnings, [])
        mods = [m.path for m in crate.modules()]
        named = {(a.path, b.path): [line for _f, line in refs] for (a, b), refs in edges.items()}
        return mods, named, [[m.path for m in c] for c in cycles]


class Cycles(CrateTest):
    def test_two_module_cycle_via_use(self):
        mods, edges, cycles = self.analyze({
            "lib.rs": "mod a;\nmod b;\n",
            "a.rs": "use crate::b::Y;\npub struct X;\n",
            "b.rs": "\nuse crate::a::X;\npub struct Y;\n",
        })
        self.assertEqual(mods, ["crate", "a", "b"])
        self.assertEqual(cycles, [["a", "b"]])
        self.assertEqual(edges[("a", "b")], [1])
        self.assertEqual(edges[("b", "a")], [2])

    def test_three_module_cycle_through_super_and_expression(self):
        mods, edges, cycles = self.analyze({
            "lib.rs": "pub mod m;\n",
            "m/mod.rs": "mod a;\nmod b;\nmod c;\n",
            "m/a.rs": "pub fn a() {\n    super::b::f()\n}\n",
            "m/b.rs": "use super::c::C;\npub fn f() {}\n",
            "m/c.rs": "pub struct C;\nfn g() -> u8 {\n    let n = super::super::m::a::a();\n    0\n}\n",
        })
        self.assertEqual(cycles, [["m::a", "m::b", "m::c"]])
        self.assertEqual(edges[("m::a", "m::b")], [2])
        self.assertEqual(edges[("m::b", "m::c")], [1])
        self.assertEqual(edges[("m::c", "m::a")], [3])

    def test_child_using_parent_item_is_no_cycle(self):
        mods, edges, cycles = self.analyze({
            "lib.rs": "mod ssr;\npub use ssr::Thing;\n",
            "ssr/mod.rs": "pub(crate) mod answer;\npub use answer::Format;\npub struct Thing;\n",
            "ssr/answer.rs": "use super::Thing;\nuse crate::ssr::Thing as Again;\n"
                             "pub enum Format { Json }\nfn f() { super::Thing; }\n",
        })
        self.assertEqual(cycles, [])
        # The parent's re-export is an edge; the child's uses of it are not.
        self.assertEqual(edges, {("ssr", "ssr::answer"): [2]})

    def test_child_using_sibling_through_super_counts(self):
        mods, edges, cycles = self.analyze({
            "lib.rs": "mod ssr;\n",
            "ssr/mod.rs": "mod answer;\nmod service;\n",
            "ssr/answer.rs": "fn f() { super::service::record_outcome(); }\n",
            "ssr/service.rs": "pub fn record_outcome() { let _ = super::answer::Format::Json; }\n",
        })
        self.assertEqual(cycles, [["ssr::answer", "ssr::service"]])

    def test_cfg_test_module_does_not_count(self):
        mods, edges, cycles = self.analyze({
            "lib.rs": "mod a;\nmod b;\n",
            "a.rs": "use crate::b::Y;\npub struct X;\n",
            "b.rs": textwrap.dedent('''\
                pub struct Y;

                #[cfg(test)]
                mod tests {
                    // }
                    const S: &str = "}";
                    const R: &str = r#"}"#;
                    const C: char = '}';
                    fn f<'a>(x: &'a str) -> &'a str { x }
                    use crate::a::*;
                }

                #[cfg(all(test, feature = "slow"))]
                mod slow_tests {
                    use crate::a::X;
                }

                mod tests {
                    use crate::a::X;
                }
                '''),
        })
        self.assertEqual(cycles, [])
        self.assertEqual(list(edges), [("a", "b")])

    def test_cfg_that_does_not_require_test_counts(self):
        mods, edges, cycles = self.analyze({
            "lib.rs": "mod a;\n#[cfg_attr(not(any(test, feature = \"x\")), allow(dead_code))]\nmod b;\n",
            "a.rs": "use crate::b::Y;\npub struct X;\n",
            "b.rs": "pub struct Y;\n#[cfg(any(test, feature = \"x\"))]\nmod helpers {\n"
                    "    use crate::a::X;\n}\n",
        })
        self.assertEqual(cycles, [["a", "b"]])

    def test_mod_rs_and_path_attribute(self):
        mods, edges, cycles = self.analyze({
            "lib.rs": "mod net;\n#[cfg(feature = \"x\")]\n#[path = \"weird/place.rs\"]\npub(crate) mod other;\nmod x;\n",
            "net/mod.rs": "pub mod http;\n",
            "net/http.rs": "use crate::other::{O, inner::I};\npub struct H;\n",
            "weird/place.rs": "pub mod inner;\npub struct O;\nfn f() { let _ = crate::net::http::H; }\n",
            "weird/inner.rs": "pub struct I;\n",
            "x.rs": "mod y;\n",
            "x/y.rs": "fn f() { crate::x::y::f() }\n",
        })
        self.assertEqual(sorted(mods), sorted(["crate", "net", "net::http", "other",
                                               "other::inner", "x", "x::y"]))
        self.assertEqual(cycles, [["net::http", "other"]])
        self.assertIn(("net::http", "other::inner"), edges)
        self.assertIn(("other", "net::http"), edges)

    def test_use_groups_resolve(self):
        mods, edges, cycles = self.analyze({
            "lib.rs": "mod a;\nmod b;\nmod d;\n",
            "a.rs": "pub struct X;\nuse crate::d::D;\n",
            "b.rs": "pub mod c;\n",
            "b/c.rs": "pub struct Y;\nfn f() { let _ = crate::d::D; }\n",
            "d.rs": "pub struct D;\nuse crate::{\n    a::X,\n    b::{c::Y},\n};\n",
        })
        self.assertEqual(cycles, [["a", "b::c", "d"]])
        self.assertEqual(edges[("d", "a")], [3])
        self.assertEqual(edges[("d", "b::c")], [4])
        self.assertNotIn(("d", "b"), edges)

    def test_comments_and_strings_do_not_count(self):
        mods, edges, cycles = self.analyze({
            "lib.rs": "mod a;\nmod b;\n",
            "a.rs": "use crate::b::Y;\npub struct X;\n",
            "b.rs": textwrap.dedent('''\
                //! Uses [`X`](crate::a::X).
                // use crate::a::X;
                /* crate::a::X /* nested */ crate::a::X */
                /// See [`X`](crate::a::X).
                pub struct Y;
                const S: &str = "crate::a::X";
                const R: &str = r#"a " crate::a::X " b"#;
                const W: &str = r"C:\";
                const V: &str = "crate::a::X";
                const B: &[u8] = b"crate::a::X";
                '''),
        })
        self.assertEqual(cycles, [])
        self.assertEqual(list(edges), [("a", "b")])

    def test_quote_chars_and_lifetimes_do_not_hide_code(self):
        mods, edges, cycles = self.analyze({
            "lib.rs": "mod a;\nmod b;\n",
            "a.rs": "use crate::b::Y;\npub fn g() {}\n",
            "b.rs": textwrap.dedent(r'''
                pub struct Y;
                fn h<'a>(s: &'a str) -> &'static str {
                    let _ = ('"', b'"', '\'', '\"', '\u{7d}');
                    crate::a::g();
                    ""
                }
                ''').lstrip("\n"),
        })
        self.assertEqual(cycles, [["a", "b"]])
        self.assertEqual(edges[("b", "a")], [4])

    def test_module_imported_by_name_then_used_as_prefix(self):
        mods, edges, cycles = self.analyze({
            "lib.rs": "mod a;\nmod m;\n",
            "a.rs": "use crate::m;\npub fn f() { m::c::g() }\n",
            "m/mod.rs": "pub mod c;\n",
            "m/c.rs": "pub fn g() { crate::a::f() }\n",
        })
        self.assertEqual(cycles, [["a", "m::c"]])
        self.assertEqual(edges[("a", "m::c")], [2])

    def test_root_edges_and_leading_colons_are_ignored(self):
        mods, edges, cycles = self.analyze({
            "lib.rs": "mod a;\nmod m;\npub use a::X;\nfn f() { a::X; m::c::f(); }\n",
            "a.rs": "pub struct X;\nuse crate::X as Y;\n",
            # `::c` is the extern crate `c`, not the child module `m::c`.
            "m/mod.rs": "mod c;\nuse ::c::Z;\nfn g() { ::c::h() }\n",
            "m/c.rs": "pub fn f() {}\n",
        })
        self.assertEqual(cycles, [])
        self.assertEqual(edges, {})

    def test_cfg_test_items_do_not_count(self):
        mods, edges, cycles = self.analyze({
            "lib.rs": "mod a;\nmod b;\n",
            "a.rs": "use crate::b::Y;\npub fn f() {}\n",
            "b.rs": "pub struct Y;\n#[cfg(test)]\nuse crate::a::f;\n"
                    "#[cfg(test)]\nfn helper() { crate::a::f() }\n",
        })
        self.assertEqual(cycles, [])
        self.assertEqual(list(edges), [("a", "b")])


class CommandLine(CrateTest):
    def run_script(self, *args):
        return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True)

    def test_exit_status_and_report(self):
        cyclic = self.crate({
            "lib.rs": "mod a;\nmod b;\n",
            "a.rs": "use crate::b::Y;\npub struct X;\n",
            "b.rs": "pub struct Y;\nuse crate::a::X;\n",
        })
        r = self.run_script(cyclic)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("cycle 1: a, b", r.stdout)
        self.assertIn("a -> b  %s:1" % os.path.join(cyclic, "a.rs"), r.stdout)
        self.assertIn("b -> a  %s:2" % os.path.join(cyclic, "b.rs"), r.stdout)

        acyclic = self.crate({"lib.rs": "mod a;\n", "a.rs": "pub struct X;\n"})
        r = self.run_script(acyclic)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(r.stdout.strip(), "module cycles: none among 2 modules of %s" % acyclic)

    def test_edges_and_dot(self):
        src = self.crate({
            "lib.rs": "mod a;\nmod b;\n",
            "a.rs": "use crate::b::Y;\n",
            "b.rs": "pub struct Y;\n",
        })
        r = self.run_script("--edges", "--dot", src)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("a -> b  %s:1" % os.path.join(src, "a.rs"), r.stdout)
        self.assertIn('"a" -> "b";', r.stdout)


if __name__ == "__main__":
    unittest.main()
