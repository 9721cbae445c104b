//! The `#[page]`, `#[loader]` and `#[action]` attributes of `server_props`:
//! a page is a component taking its props, a loader and an action are async
//! functions taking typed arguments. They expand to the kit's traits
//! (`Page`, `Loader`, `Action`), which stay available to write by hand. Use them through `server_props`, which
//! re-exports them.

#![warn(unreachable_pub)]

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::{
    parse::{Parse, ParseStream},
    parse_macro_input,
    punctuated::Punctuated,
    spanned::Spanned,
    FnArg, GenericArgument, Ident, ItemFn, LitStr, Pat, PathArguments, ReturnType, Token, Type,
};

/// Marks a component function as a page served at one or more paths.
///
/// ```ignore
/// #[page("/repos/:owner/:name")]
/// pub fn RepoPage(repo: Repo) -> impl IntoView { view! { <h1>{repo.name}</h1> } }
/// ```
///
/// The function takes the page's props (its one argument), or nothing for
/// a page whose loader returns `()` (`pub fn About() -> impl IntoView`),
/// and keeps its name; a type of the same name implements
/// `server_props::Page`, which `Pages::page::<RepoPage>()` adds to the page
/// table at its paths.
///
/// After the paths, `pending = report_loading` names the page's pending
/// view (a function taking the route params as a serde type),
/// `navigation = Navigation::skeleton()` how a client navigation waits for
/// the props (a pending view alone means `Navigation::skeleton()`), and
/// `crate = path` where the kit is when it is not `::server_props` (a
/// renamed dependency, or a re-export from a crate of the app's).
#[proc_macro_attribute]
pub fn page(attr: TokenStream, item: TokenStream) -> TokenStream {
    let args = parse_macro_input!(attr as PageArgs);
    let function = parse_macro_input!(item as ItemFn);
    expand_page(args, function)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Marks a component function as a layout that owns a part of the URL: every
/// page whose path starts with the prefix renders inside it.
///
/// ```ignore
/// #[layout("/dashboard", not_found = no_such_project)]
/// pub fn Dashboard(data: DashboardData, outlet: AnyView) -> impl IntoView {
///     view! { <nav>{data.user}</nav> <section>{outlet}</section> }
/// }
/// ```
///
/// The function takes the layout's data (what its `#[loader(Dashboard)]`
/// returns) and the page it holds (`outlet`, placed where the layout says),
/// and keeps its name; a type of the same name implements
/// `server_props::NestedLayout`, which `Pages::nested_layout::<Dashboard>()`
/// adds to the page table. After the prefix, `not_found = f` and
/// `error = g` name the views shown in the page's place, inside the
/// layout, when a page under it is not found (`f()`) or fails
/// (`g(&PageError)`); `crate = path` names the kit, as for
/// [`page`](macro@page).
#[proc_macro_attribute]
pub fn layout(attr: TokenStream, item: TokenStream) -> TokenStream {
    let args = parse_macro_input!(attr as LayoutArgs);
    let function = parse_macro_input!(item as ItemFn);
    expand_layout(args, function)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// `#[layout("/prefix", not_found = f, error = g, crate = path)]`.
struct LayoutArgs {
    prefix: LitStr,
    not_found: Option<syn::Path>,
    error: Option<syn::Path>,
    krate: Option<syn::Path>,
}

impl Parse for LayoutArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let prefix: LitStr = input.parse().map_err(|e| {
            syn::Error::new(
                e.span(),
                "give the layout the path it owns: #[layout(\"/dashboard\")]",
            )
        })?;
        let mut args = LayoutArgs {
            prefix,
            not_found: None,
            error: None,
            krate: None,
        };
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            let expected = "expected `not_found = view_fn`, `error = view_fn` or `crate = path`";
            let key: Ident = input
                .call(syn::ext::IdentExt::parse_any)
                .map_err(|e| syn::Error::new(e.span(), expected))?;
            input.parse::<Token![=]>()?;
            let slot = if key == "crate" {
                &mut args.krate
            } else if key == "not_found" {
                &mut args.not_found
            } else if key == "error" {
                &mut args.error
            } else {
                return Err(syn::Error::new(key.span(), expected));
            };
            if slot.is_some() {
                return Err(syn::Error::new(
                    key.span(),
                    format!("`{key}` is given twice"),
                ));
            }
            *slot = Some(input.parse()?);
        }
        Ok(args)
    }
}

fn expand_layout(args: LayoutArgs, mut function: ItemFn) -> syn::Result<TokenStream2> {
    let LayoutArgs {
        prefix,
        not_found,
        error,
        krate,
    } = args;
    let kit = kit_path(krate.as_ref());
    let params = param_names(&prefix)?;
    if prefix.value().contains("/*") {
        return Err(syn::Error::new(
            prefix.span(),
            "a layout owns a prefix of paths: no catch-all (`*rest`) in it",
        ));
    }
    let name = &function.sig.ident;
    let vis = &function.vis;
    let data: Type = match function.sig.inputs.first() {
        Some(FnArg::Typed(arg)) if function.sig.inputs.len() == 2 => (*arg.ty).clone(),
        _ => {
            return Err(syn::Error::new_spanned(
                &function.sig,
                "a layout takes two arguments: its data and the page it holds \
                 (`data: DashboardData, outlet: AnyView`)",
            ))
        }
    };
    let not_found = not_found.map(|f| {
        quote! {
            fn not_found() -> ::core::option::Option<#kit::__private::AnyView> {
                ::core::option::Option::Some(#kit::Erase::erase(#f()))
            }
        }
    });
    let error = error.map(|f| {
        quote! {
            fn error(
                error: &#kit::PageError,
            ) -> ::core::option::Option<#kit::__private::AnyView> {
                ::core::option::Option::Some(#kit::Erase::erase(#f(error)))
            }
        }
    });
    let docs: Vec<_> = function
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .cloned()
        .collect();
    function
        .attrs
        .push(syn::parse_quote!(#[allow(non_snake_case)]));
    Ok(quote! {
        #function

        #(#docs)*
        #[allow(non_camel_case_types)]
        #[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::marker::Copy)]
        #vis struct #name {}

        impl #name {
            /// The route params of the layout's prefix.
            #[doc(hidden)]
            pub const __SERVER_PROPS_PARAM_NAMES: &'static [&'static str] = &[#(#params),*];
        }

        impl #kit::Layout for #name {
            type Data = #data;
            const OWNS: ::core::option::Option<&'static str> = ::core::option::Option::Some(#prefix);
        }

        impl #kit::NestedLayout for #name {
            const PREFIX: &'static str = #prefix;
            fn view(
                data: #data,
                outlet: #kit::__private::AnyView,
            ) -> impl #kit::__private::IntoView + 'static {
                #name(data, outlet)
            }
            #not_found
            #error
        }
    })
}

/// `#[page("/a", "/b", pending = f, navigation = expr, runtime = edge, crate = path)]`.
struct PageArgs {
    paths: Vec<LitStr>,
    pending: Option<syn::Path>,
    navigation: Option<syn::Expr>,
    runtime: Option<Ident>,
    krate: Option<syn::Path>,
}

/// The path of the kit in the expansion: `::server_props` unless
/// `crate = path` names it (a renamed dependency, a re-export).
fn kit_path(krate: Option<&syn::Path>) -> TokenStream2 {
    match krate {
        Some(path) => quote!(#path),
        None => quote!(::server_props),
    }
}

impl Parse for PageArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = PageArgs {
            paths: Vec::new(),
            pending: None,
            navigation: None,
            runtime: None,
            krate: None,
        };
        while !input.is_empty() {
            if input.peek(LitStr) {
                args.paths.push(input.parse()?);
            } else {
                let expected = "expected a path (\"/…\"), `pending = view_fn`, \
                                `navigation = Navigation::…`, `runtime = edge` or `crate = path`";
                let key: Ident = input
                    .call(syn::ext::IdentExt::parse_any)
                    .map_err(|e| syn::Error::new(e.span(), expected))?;
                input.parse::<Token![=]>()?;
                let twice = || syn::Error::new(key.span(), format!("`{key}` is given twice"));
                if key == "crate" {
                    if args.krate.is_some() {
                        return Err(twice());
                    }
                    args.krate = Some(input.parse()?);
                } else if key == "pending" {
                    if args.pending.is_some() {
                        return Err(twice());
                    }
                    args.pending = Some(input.parse()?);
                } else if key == "navigation" {
                    if args.navigation.is_some() {
                        return Err(twice());
                    }
                    args.navigation = Some(input.parse()?);
                } else if key == "runtime" {
                    if args.runtime.is_some() {
                        return Err(twice());
                    }
                    let runtime: Ident = input.parse()?;
                    if runtime != "edge" && runtime != "server" {
                        return Err(syn::Error::new(
                            runtime.span(),
                            "a page's runtime is `server` (the default) or `edge`",
                        ));
                    }
                    args.runtime = Some(runtime);
                } else {
                    return Err(syn::Error::new(key.span(), expected));
                }
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        Ok(args)
    }
}

/// Marks an async function as the server-side loader of a page (or of the
/// app's layout), compiled only with the crate's `ssr` feature.
///
/// ```ignore
/// #[loader(RepoPage)]
/// async fn load_repo(
///     #[param] owner: String,
///     #[param] name: String,
///     State(db): State<Db>,
/// ) -> LoaderResult<Repo> { … }
/// ```
///
/// Arguments, in any order, each made by its type's trait (never by the
/// type's name, so a renamed import or a type of the app's works):
/// * `#[param] name: T`: the route param `name` parsed into `T` (a 404 when
///   it does not parse); a name the page's path lacks does not compile;
/// * any type that implements `server_props::extract::FromLoader<S>`: the
///   kit's `Params<T>` (all route params as a serde type, checked against
///   the path at start-up), any axum `FromRequestParts<S>` extractor
///   (`State<T>`, `Query<T>`, `HeaderMap`, the app's own; its rejection
///   keeps its status), and the app's own types;
/// * at most one argument that reads the body (`FromLoaderBody`): the
///   kit's `FormData<T>` or `Json<T>`, or the app's own; a second does not
///   compile (axum's `Json` and `Form` are not arguments: use the kit's);
/// * `&ResponseHead`, to set the status, headers and cookies, and
///   `&LoaderContext<S>`; or, alone, the whole `&mut LoaderContext<S>`.
///
/// The loader's return type is checked against its page's props (or its
/// layout's data) right there. The state type is named by a `State<T>`
/// argument (or a `LoaderContext<S>`), or is `()`; name it with
/// `#[loader(Page, state = AppState)]` when an argument reads part of it
/// through `FromRef`, or takes `State` under another name. `methods(PUT,
/// DELETE)` lets the page accept those methods besides `GET`, `HEAD` and
/// `POST`; `crate = path` names the kit, as for [`page`](macro@page).
#[proc_macro_attribute]
pub fn loader(attr: TokenStream, item: TokenStream) -> TokenStream {
    let args = parse_macro_input!(attr as LoaderArgs);
    let function = parse_macro_input!(item as ItemFn);
    expand_handler(args, function, Kind::Loader)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Marks an async function as the action of a page: what a form submitted
/// to the page does, compiled only with the crate's `ssr` feature.
///
/// ```ignore
/// #[action(Guestbook)]
/// async fn sign(FormData(entry): FormData<NewEntry>, State(db): State<Db>) -> ActionResult<SignFailure> {
///     if entry.message.trim().is_empty() {
///         return Ok(ActionOutcome::Invalid(SignFailure { error: "Message is required.".into(), entry }));
///     }
///     db.insert(entry).await?;
///     Ok(ActionOutcome::Done)
/// }
/// ```
///
/// It takes the same arguments as a [`loader`](macro@loader) (typically a
/// `FormData<T>` or `Json<T>` body) and returns `ActionResult<Data>`: what
/// a refused submission shows (`ActionOutcome::Invalid(data)`, answered
/// `422` with fresh props from the page's loader), which the page reads
/// with `use_action_data::<Page>()`; `ActionResult` alone for an action
/// that refuses nothing. The data type implements `ActionData` for the
/// page in both builds, so it must exist in the browser build too (beside
/// the props). The page's `#[loader]` finds the action by itself; a page
/// with no loader says so: `#[action(Contact, no_loader)]` (its props are
/// `()`). Its state is the loader's; an argument (`State<T>`) or `state =
/// T` that names another does not compile, with both types in the error.
#[proc_macro_attribute]
pub fn action(attr: TokenStream, item: TokenStream) -> TokenStream {
    let args = parse_macro_input!(attr as LoaderArgs);
    let function = parse_macro_input!(item as ItemFn);
    expand_handler(args, function, Kind::Action)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// What a handler function implements.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Loader,
    Action,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Loader => "loader",
            Kind::Action => "action",
        }
    }
}

fn expand_page(args: PageArgs, mut function: ItemFn) -> syn::Result<TokenStream2> {
    let PageArgs {
        paths,
        pending,
        navigation,
        runtime,
        krate,
    } = args;
    let kit = kit_path(krate.as_ref());
    // Where the loader runs: a constant both builds read, and a type the
    // loader's arguments are checked against (server builds only).
    let at_the_edge = runtime.as_ref().is_some_and(|r| r == "edge");
    let (runtime_const, runtime_type) = if at_the_edge {
        (
            quote!(const RUNTIME: #kit::PageRuntime = #kit::PageRuntime::Edge;),
            quote!(#kit::__private::AtTheEdge),
        )
    } else {
        (quote!(), quote!(#kit::__private::OnTheServer))
    };
    let navigation = navigation.or_else(|| {
        pending
            .as_ref()
            .map(|_| syn::parse_quote!(#kit::Navigation::skeleton()))
    });
    let navigation = navigation.map(|n| {
        quote! { const NAVIGATION: #kit::Navigation = #n; }
    });
    let pending = pending.map(|f| {
        quote! {
            fn pending(
                params: &#kit::params::DecodedParams,
            ) -> ::core::option::Option<#kit::__private::AnyView> {
                #kit::__private::pending_view(#f, params)
            }
        }
    });
    if paths.is_empty() {
        return Err(syn::Error::new(
            Span::call_site(),
            "give the page its path: #[page(\"/blog/:post\")]",
        ));
    }
    let mut params: Option<Vec<String>> = None;
    for path in &paths {
        let names = param_names(path)?;
        params = Some(match params {
            None => names,
            Some(common) => common.into_iter().filter(|n| names.contains(n)).collect(),
        });
    }
    let params = params.unwrap_or_default();
    let name = &function.sig.ident;
    let vis = &function.vis;
    // A page without props (`fn About() -> impl IntoView`) has `()`, which
    // its loader returns (or a page written with `_: ()`).
    let (props, view) = match function.sig.inputs.len() {
        0 => (syn::parse_quote!(()), quote!(#name())),
        1 => match &function.sig.inputs[0] {
            FnArg::Typed(arg) => ((*arg.ty).clone(), quote!(#name(props))),
            FnArg::Receiver(r) => {
                return Err(syn::Error::new_spanned(
                    r,
                    "a page is a function, not a method",
                ))
            }
        },
        _ => {
            return Err(syn::Error::new_spanned(
                &function.sig.inputs,
                "a page takes one argument, its props, or none",
            ))
        }
    };
    let props: Type = props;
    let docs: Vec<_> = function
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .cloned()
        .collect();
    function
        .attrs
        .push(syn::parse_quote!(#[allow(non_snake_case)]));
    // The page's chunk in a split browser build: named after the page and
    // its paths (two pages of one name in two modules never share one), the
    // same name in the server build, which names its files in documents.
    let chunk = chunk_name(name, &paths);
    let chunk_lit = LitStr::new(&chunk, Span::call_site());
    let chunk_ident = Ident::new(&chunk, Span::call_site());
    let render_ident = format_ident!("__render_{}", chunk);
    let preload_ident = format_ident!("__preload_{}", chunk);
    Ok(quote! {
        #function

        #(#docs)*
        #[allow(non_camel_case_types)]
        #[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::marker::Copy)]
        #vis struct #name {}

        impl #name {
            /// The route params every path of this page has.
            #[doc(hidden)]
            pub const __SERVER_PROPS_PARAM_NAMES: &'static [&'static str] = &[#(#params),*];
        }

        impl #kit::Page for #name {
            type Props = #props;
            const PATHS: &'static [&'static str] = &[#(#paths),*];
            #[allow(unused_variables)]
            fn view(props: #props) -> impl #kit::__private::IntoView + 'static {
                #view
            }
            #navigation
            #pending
            #runtime_const
            const __CHUNK: ::core::option::Option<&'static str> =
                ::core::option::Option::Some(#chunk_lit);
            #kit::__page_code!(#name, #chunk_ident, #render_ident, #preload_ident);
        }

        #[cfg(feature = "ssr")]
        impl #kit::__private::RuntimeOf for #name {
            type Runtime = #runtime_type;
        }
    })
}

/// The name of a page's chunk: `page_<Name>_<hash of its paths>` (FNV-1a,
/// stable across builds and compilers, so the server and the browser build
/// agree on it).
fn chunk_name(name: &Ident, paths: &[LitStr]) -> String {
    let mut hash: u32 = 0x811c_9dc5;
    for path in paths {
        for byte in path.value().bytes().chain([0]) {
            hash ^= u32::from(byte);
            hash = hash.wrapping_mul(0x0100_0193);
        }
    }
    format!("page_{}_{hash:08x}", name.unraw())
}

/// The param names of a path (`:name`, `*name`), checked for shape.
fn param_names(path: &LitStr) -> syn::Result<Vec<String>> {
    let value = path.value();
    if !value.starts_with('/') {
        return Err(syn::Error::new(
            path.span(),
            "a page's path starts with `/`",
        ));
    }
    let mut names = Vec::new();
    for segment in value.split('/').skip(1) {
        if let Some(name) = segment
            .strip_prefix(':')
            .or_else(|| segment.strip_prefix('*'))
        {
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                return Err(syn::Error::new(
                    path.span(),
                    format!("`{segment}`: a param's name is ASCII letters, digits or `_`"),
                ));
            }
            names.push(name.to_owned());
        }
    }
    Ok(names)
}

struct LoaderArgs {
    target: syn::Path,
    state: Option<Type>,
    methods: Vec<Ident>,
    krate: Option<syn::Path>,
    /// `no_loader` (actions only): the page has no loader of its own.
    no_loader: Option<Ident>,
}

impl Parse for LoaderArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.is_empty() {
            return Err(
                input.error("name the page (or layout) this loader is for: #[loader(RepoPage)]")
            );
        }
        let target: syn::Path = input.parse()?;
        let mut state = None;
        let mut methods = Vec::new();
        let mut krate = None;
        let mut no_loader = None;
        while input.parse::<Option<Token![,]>>()?.is_some() {
            if input.is_empty() {
                break;
            }
            let key: Ident = input.call(syn::ext::IdentExt::parse_any)?;
            if key == "no_loader" {
                no_loader = Some(key);
            } else if key == "crate" {
                input.parse::<Token![=]>()?;
                krate = Some(input.parse()?);
            } else if key == "state" {
                input.parse::<Token![=]>()?;
                state = Some(input.parse()?);
            } else if key == "methods" {
                let content;
                syn::parenthesized!(content in input);
                let list = Punctuated::<Ident, Token![,]>::parse_terminated(&content)?;
                for method in list {
                    if !["POST", "PUT", "PATCH", "DELETE"].contains(&method.to_string().as_str()) {
                        return Err(syn::Error::new(
                            method.span(),
                            "a page may accept POST, PUT, PATCH and DELETE",
                        ));
                    }
                    methods.push(method);
                }
            } else {
                return Err(syn::Error::new(
                    key.span(),
                    "expected `state = Type`, `methods(…)`, `no_loader` or `crate = path`",
                ));
            }
        }
        Ok(Self {
            target,
            state,
            methods,
            krate,
            no_loader,
        })
    }
}

/// How one loader argument is made: by its type's trait, never by its
/// name (a renamed import, or a type of the app's, works the same).
enum Arg {
    /// `#[param] name: T`: one route param.
    Param { name: String, ty: Type },
    /// `&T`: borrowed from the context through `FromLoaderRef`.
    Ref(Type),
    /// `&mut T`: borrowed from the context through `FromLoaderMut`.
    Mut(Type),
    /// Any other `T`: made through `FromLoader<S, M>`, its marker inferred.
    Value(Type),
}

/// What the types of the arguments tell the macro beyond how to make
/// them, which a trait cannot: the state type the loader's impl names
/// (from a `State<T>` or a `LoaderContext<S>`), and the params type the
/// page table checks against the path at start-up (from `Params<T>`).
/// Both are hints: `state = T` overrides the first, and a wrong guess is
/// a type error at the argument, not a different argument.
#[derive(Default)]
struct Hints {
    state: Option<Type>,
    params: Option<Type>,
}

fn expand_handler(args: LoaderArgs, mut function: ItemFn, kind: Kind) -> syn::Result<TokenStream2> {
    let what = kind.name();
    if function.sig.asyncness.is_none() {
        return Err(syn::Error::new(
            function.sig.fn_token.span(),
            format!("{} must be an `async fn`", article(what)),
        ));
    }
    if let (Kind::Action, Some(method), None) = (kind, args.methods.first(), &args.no_loader) {
        return Err(syn::Error::new(
            method.span(),
            "the methods a page accepts are its loader's: `#[loader(Page, methods(…))]` \
             (or, for a page without one, `#[action(Page, no_loader, methods(…))]`)",
        ));
    }
    if let (Kind::Loader, Some(flag)) = (kind, &args.no_loader) {
        return Err(syn::Error::new(
            flag.span(),
            "`no_loader` is for an action whose page has no loader: `#[action(Page, no_loader)]`",
        ));
    }
    let (props, action_data) = match kind {
        Kind::Loader => (Some(props_type(&function.sig.output)?), None),
        Kind::Action => (None, Some(action_data_type(&function.sig.output)?)),
    };
    let mut kinds = Vec::new();
    let mut hints = Hints::default();
    for input in function.sig.inputs.iter_mut() {
        let FnArg::Typed(arg) = input else {
            return Err(syn::Error::new(
                input.span(),
                format!("{} is a function, not a method", article(what)),
            ));
        };
        let param_attr = arg.attrs.iter().position(|a| a.path().is_ident("param"));
        if let Some(index) = param_attr {
            let attr = arg.attrs.remove(index);
            let name = match &attr.meta {
                syn::Meta::List(_) => attr.parse_args::<LitStr>()?.value(),
                _ => match &*arg.pat {
                    Pat::Ident(ident) => syn::ext::IdentExt::unraw(&ident.ident).to_string(),
                    other => {
                        return Err(syn::Error::new(
                            other.span(),
                            "name the param: #[param(\"name\")]",
                        ))
                    }
                },
            };
            kinds.push(Arg::Param {
                name,
                ty: (*arg.ty).clone(),
            });
            continue;
        }
        let ty = (*arg.ty).clone();
        kinds.push(match ty {
            Type::Reference(r) => {
                if let Some((ident, Some(state))) = last_segment(&r.elem) {
                    if ident == "LoaderContext" {
                        hints.state.get_or_insert(state);
                    }
                }
                if r.mutability.is_some() {
                    Arg::Mut(*r.elem)
                } else {
                    Arg::Ref(*r.elem)
                }
            }
            ty => {
                match last_segment(&ty) {
                    Some((ident, Some(inner))) if ident == "State" => {
                        hints.state.get_or_insert(inner);
                    }
                    Some((ident, Some(inner))) if ident == "Params" => {
                        hints.params.get_or_insert(inner);
                    }
                    _ => {}
                }
                Arg::Value(ty)
            }
        });
    }
    // `&mut` borrows the whole context for the call, so it comes alone.
    let borrowed: Vec<&Type> = kinds
        .iter()
        .filter_map(|k| match k {
            Arg::Ref(ty) | Arg::Mut(ty) => Some(ty),
            _ => None,
        })
        .collect();
    if borrowed.len() > 1 && kinds.iter().any(|k| matches!(k, Arg::Mut(_))) {
        return Err(syn::Error::new_spanned(
            &function.sig.inputs,
            "`&mut LoaderContext<S>` borrows the whole context for the call: take it alone \
             (its `response()` is the head), or take `&ResponseHead` and `&LoaderContext<S>`",
        ));
    }
    let target = &args.target;
    let kit = kit_path(args.krate.as_ref());
    // The loader's state: named, or hinted by an argument, or `()`. An
    // action's is its loader's unless it says otherwise, and then the two
    // must agree (checked below, naming both).
    let own_state = args.state.clone().or(hints.state);
    let state: Type = match (&own_state, kind) {
        (Some(state), _) => state.clone(),
        (None, Kind::Loader) => syn::parse_quote!(()),
        // A page without a loader: the loader made here takes this state.
        (None, Kind::Action) if args.no_loader.is_some() => syn::parse_quote!(()),
        (None, Kind::Action) => syn::parse_quote!(<#target as #kit::Loader>::State),
    };
    let name = &function.sig.ident;

    let mut checks = Vec::new();
    let mut made = vec![quote! {
        let __body = #kit::__private::Body::unread();
    }];
    let mut call = Vec::new();
    // Each argument's type is usable where the page runs: anything on the
    // server, `EdgeSafe` types at the edge (`#[page(…, runtime = edge)]`).
    // The error is reported at the type, naming the page.
    let mut runs_where = vec![quote! {
        #[allow(unused_imports)]
        use #kit::__private::{NoRuntime as _, ViaRuntime as _};
    }];
    for kind in &kinds {
        let ty = match kind {
            Arg::Param { .. } => continue,
            Arg::Value(ty) | Arg::Ref(ty) | Arg::Mut(ty) => ty,
        };
        let (first, _) = first_and_last_span(ty);
        let probe = quote_spanned!(first=> runs_where_its_page_runs);
        runs_where.push(quote! {
            (&#kit::__private::RuntimeProbe::<#target, #ty>::new()).#probe();
        });
    }
    for (i, kind) in kinds.iter().enumerate() {
        let var = format_ident!("__arg{i}");
        match kind {
            Arg::Param { name: param, ty } => {
                let message = format!(
                    "the path of `{}` has no param `{param}`",
                    quote!(#target).to_string().replace(' ', "")
                );
                checks.push(quote_spanned! {ty.span()=>
                    #[cfg(feature = "ssr")]
                    const _: () = ::core::assert!(
                        #kit::__private::has_param(#target::__SERVER_PROPS_PARAM_NAMES, #param),
                        #message
                    );
                });
                made.push(quote! { let #var: #ty = cx.param(#param)?; });
                call.push(quote!(#var));
            }
            Arg::Value(ty) => {
                // The marker (`M`) is inferred from the one impl that fits;
                // the body state moves on at a body argument, and a second
                // one does not compile. Errors point at the argument's type.
                // Each expression runs from the type's first token to its
                // last, so an error is reported once, on the whole type.
                // The expansion's own names (`cx`, `__body`) keep the call
                // site's span, so they resolve the same for a loader a
                // `macro_rules!` writes (whose type's spans are the macro's).
                let (first, last) = first_and_last_span(ty);
                let body = Ident::new("__body", Span::call_site());
                let cx = Ident::new("cx", Span::call_site());
                let then = quote_spanned!(first=> #body.then::<);
                let then_end = quote_spanned!(last=> , #state, _>());
                let qself = quote_spanned!(first=> <);
                let make = quote_spanned! {last=>
                    as #kit::extract::FromLoader<#state, _>>::from_loader(&mut *#cx).await?
                };
                made.push(quote! {
                    let __body = #then #ty #then_end;
                    let #var = #qself #ty #make;
                });
                call.push(quote!(#var));
            }
            Arg::Ref(ty) => {
                call.push(quote! {
                    <#ty as #kit::extract::FromLoaderRef<#state>>::from_loader_ref(&*cx)
                });
            }
            Arg::Mut(ty) => {
                call.push(quote! {
                    <#ty as #kit::extract::FromLoaderMut<#state>>::from_loader_mut(&mut *cx)
                });
            }
        }
    }
    let params_read: Vec<&String> = kinds
        .iter()
        .filter_map(|k| match k {
            Arg::Param { name, .. } => Some(name),
            _ => None,
        })
        .collect();
    let params_type = hints
        .params
        .unwrap_or_else(|| syn::parse_quote!(#kit::__private::IgnoredAny));
    // POST is always accepted: the list adds the others, once each.
    let mut extra: Vec<&Ident> = Vec::new();
    for m in args.methods.iter().filter(|m| *m != "POST") {
        if !extra.contains(&m) {
            extra.push(m);
        }
    }
    let methods = extra.iter().map(|m| {
        let variant = format_ident!(
            "{}",
            match m.to_string().as_str() {
                "POST" => "Post",
                "PUT" => "Put",
                "PATCH" => "Patch",
                _ => "Delete",
            }
        );
        quote!(#kit::WriteMethod::#variant)
    });
    let methods_const = if extra.is_empty() {
        quote!()
    } else {
        quote! {
            const METHODS: &'static [#kit::WriteMethod] = &[#kit::WriteMethod::Post, #(#methods),*];
        }
    };
    function
        .attrs
        .push(syn::parse_quote!(#[allow(clippy::unused_async)]));
    let Some(props) = props else {
        // The action's context is its loader's; an action that names
        // another state is refused with both types named.
        let cx = Ident::new("cx", Span::call_site());
        let same_state = quote_spanned! {state.span()=>
            let #cx = #kit::__private::action_state::<<Self as #kit::Loader>::State, #state>(#cx);
        };
        let data: Type = action_data
            .flatten()
            .unwrap_or_else(|| syn::parse_quote!(()));
        // A page with an action and no loader: its loader is made here,
        // with the action's state, and returns the `()` its page takes.
        let loader = args.no_loader.as_ref().map(|flag| {
            // A page with props is told so at `no_loader`.
            let probe = quote_spanned! {flag.span()=>
                (&&#kit::__private::PropsProbe::<#target>::new()).expected()
            };
            let check = quote_spanned! {flag.span()=> #probe.returned::<()>(); };
            quote! {
                #[cfg(feature = "ssr")]
                impl #kit::Loader for #target {
                    type Props = ();
                    type State = #state;
                    type Params = #kit::__private::IgnoredAny;
                    #methods_const

                    async fn load(_: &mut #kit::LoaderContext<#state>) -> #kit::LoaderResult<()> {
                        #[allow(unused_imports)]
                        use #kit::__private::{ViaPage as _, ViaLayout as _, NeitherPageNorLayout as _};
                        #check
                        ::core::result::Result::Ok(())
                    }

                    fn action() -> ::core::option::Option<#kit::PageAction> {
                        ::core::option::Option::Some(#kit::PageAction::of::<Self>())
                    }
                }
            }
        });
        return Ok(quote! {
            #[cfg(feature = "ssr")]
            #function

            #(#checks)*

            // Both builds: the browser decodes what a refused submission says.
            impl #kit::ActionData for #target {
                type Data = #data;
            }

            #loader

            #[cfg(feature = "ssr")]
            impl #kit::Action for #target {
                async fn act(
                    cx: &mut #kit::LoaderContext<<Self as #kit::Loader>::State>,
                ) -> #kit::ActionResult<<Self as #kit::ActionData>::Data> {
                    #(#runs_where)*
                    #same_state
                    #(#made)*
                    #kit::__private::into_action_result(#name(#(#call),*).await)
                }
            }
        });
    };
    // The props the loader returns are its page's (or layout's): checked
    // here, at the return type, rather than where the page table is built.
    let probe = quote_spanned! {target.span()=>
        (&&#kit::__private::PropsProbe::<#target>::new()).expected()
    };
    let props_check = quote_spanned! {props.span()=>
        #probe.returned::<#props>();
    };
    Ok(quote! {
        #[cfg(feature = "ssr")]
        #function

        #(#checks)*

        #[cfg(feature = "ssr")]
        impl #kit::Loader for #target {
            type Props = #props;
            type State = #state;
            type Params = #params_type;
            const PARAMS_READ: &'static [&'static str] = &[#(#params_read),*];
            #methods_const

            async fn load(cx: &mut #kit::LoaderContext<#state>) -> #kit::LoaderResult<#props> {
                #[allow(unused_imports)]
                use #kit::__private::{ViaPage as _, ViaLayout as _, NeitherPageNorLayout as _};
                #props_check
                #(#runs_where)*
                #(#made)*
                #kit::__private::into_loader_result(#name(#(#call),*).await)
            }

            fn action() -> ::core::option::Option<#kit::PageAction> {
                // The page's `#[action]`, if it has one: the first trait
                // applies only when the page implements `Action`.
                #[allow(unused_imports)]
                use #kit::__private::{NoAction as _, ViaAction as _};
                (&#kit::__private::ActionProbe::<#target>::new()).page_action()
            }
        }
    })
}

fn article(what: &str) -> String {
    if what.starts_with('a') {
        format!("an {what}")
    } else {
        format!("a {what}")
    }
}

/// The data a refused submission shows, from an action's return type:
/// `D` of `ActionResult<D>` or `Result<ActionOutcome<D>, E>`, and `None`
/// (`()`) for `ActionResult` alone.
fn action_data_type(output: &ReturnType) -> syn::Result<Option<Type>> {
    let error = || {
        syn::Error::new(
            output.span(),
            "an action returns what comes next as `ActionResult<Data>` \
             (or `Result<ActionOutcome<Data>, E>`; `ActionResult` when it refuses nothing)",
        )
    };
    let ReturnType::Type(_, ty) = output else {
        return Err(error());
    };
    match last_segment(ty) {
        Some((ident, data)) if ident == "ActionResult" => Ok(data),
        Some((ident, Some(inner))) if ident == "Result" => match last_segment(&inner) {
            Some((ident, data)) if ident == "ActionOutcome" => Ok(data),
            _ => Err(error()),
        },
        _ => Err(error()),
    }
}

/// `T` of `LoaderResult<T>` or `Result<T, E>`.
fn props_type(output: &ReturnType) -> syn::Result<Type> {
    let error = || {
        syn::Error::new(
            output.span(),
            "a loader returns its props as `LoaderResult<Props>` (or `Result<Props, E>`)",
        )
    };
    let ReturnType::Type(_, ty) = output else {
        return Err(error());
    };
    match last_segment(ty) {
        Some((ident, Some(inner))) if ident == "LoaderResult" || ident == "Result" => Ok(inner),
        _ => Err(error()),
    }
}

/// The spans of a type's first and last tokens: tokens of the expansion
/// given the one and the other make an expression the compiler reports on
/// the whole type (a proc macro cannot join spans on stable Rust).
fn first_and_last_span(ty: &Type) -> (Span, Span) {
    let mut tokens = quote!(#ty).into_iter();
    let first = tokens.next().map_or_else(Span::call_site, |t| t.span());
    let last = tokens.last().map_or(first, |t| t.span());
    (first, last)
}

/// The last path segment of a type and its first generic type argument.
fn last_segment(ty: &Type) -> Option<(Ident, Option<Type>)> {
    let Type::Path(path) = ty else {
        return None;
    };
    let segment = path.path.segments.last()?;
    let first = match &segment.arguments {
        PathArguments::AngleBracketed(args) => args.args.iter().find_map(|a| match a {
            GenericArgument::Type(t) => Some(t.clone()),
            _ => None,
        }),
        _ => None,
    };
    Some((segment.ident.clone(), first))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand(kind: Option<Kind>, attr: TokenStream2, item: TokenStream2) -> String {
        let function: ItemFn = syn::parse2(item).unwrap();
        match kind {
            None => expand_page(syn::parse2(attr).unwrap(), function),
            Some(kind) => expand_handler(syn::parse2(attr).unwrap(), function, kind),
        }
        .unwrap()
        .to_string()
    }

    #[test]
    fn crate_names_the_kit_everywhere() {
        let page = expand(
            None,
            quote!("/a/:id", pending = wait, crate = my::kit),
            quote!(
                pub fn A(p: u32) -> impl IntoView {
                    p
                }
            ),
        );
        let loader = expand(
            Some(Kind::Loader),
            quote!(A, crate = my::kit, methods(PUT)),
            quote!(
                async fn load(
                    #[param] id: u32,
                    head: &ResponseHead,
                    Json(j): Json<u32>,
                ) -> LoaderResult<u32> {
                    Ok(id + j)
                }
            ),
        );
        let action = expand(
            Some(Kind::Action),
            quote!(A, crate = my::kit),
            quote!(
                async fn act(FormData(f): FormData<u32>) -> ActionResult<u32> {
                    Ok(ActionOutcome::Done)
                }
            ),
        );
        for out in [page, loader, action] {
            assert!(!out.contains("server_props"), "{out}");
            assert!(out.contains("my :: kit :: __private"), "{out}");
        }
    }

    #[test]
    fn a_page_takes_no_props_or_one() {
        let out = expand(
            None,
            quote!("/about"),
            quote!(
                fn About() -> impl IntoView {}
            ),
        );
        assert!(out.contains("type Props = ()"), "{out}");
        let error = expand_page(
            syn::parse2(quote!("/about")).unwrap(),
            syn::parse2(quote!(
                fn About(a: u32, b: u32) -> impl IntoView {}
            ))
            .unwrap(),
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "a page takes one argument, its props, or none"
        );
    }
}
