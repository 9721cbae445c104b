//! `#[page]` and `#[loader]` as users meet them: what compiles, and what
//! does not, with the compiler's message for each misuse
//! (`tests/ui/fail/*.stderr`; `TRYBUILD=overwrite` rewrites them).

#![cfg(feature = "ssr")]

#[test]
fn macros_compile_and_misuse_is_refused() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
