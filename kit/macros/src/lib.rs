//! The `#[page]`, `#[loader]` and `#[action]` attributes of `server_props`:
//! a page is a component taking its props, a loader and an action are async
//! functions taking typed arguments. They expand to the kit's traits
//! (`Page`, `Loader`, `Action`), which stay available to write by hand. Use them through `server_props`, which
//! re-exports them.

#![warn(unreachable_pub)]

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::{format_ident, quote, quote_spanned};
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
/// The function takes the page's props (its one argument) and keeps its
/// name; a type of the same name implements `server_props::Page`, which
/// `Pages::page::<RepoPage>()` adds to the page table at its paths.
///
/// After the paths, `pending = report_loading` names the page's pending
/// view (a function taking the route params as a serde type) and
/// `navigation = Navigation::skeleton()` how a client navigation waits for
/// the props (a pending view alone means `Navigation::skeleton()`).
#[proc_macro_attribute]
pub fn page(attr: TokenStream, item: TokenStream) -> TokenStream {
    let args = parse_macro_input!(attr as PageArgs);
    let function = parse_macro_input!(item as ItemFn);
    expand_page(args, function)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// `#[page("/a", "/b", pending = f, navigation = expr)]`.
struct PageArgs {
    paths: Vec<LitStr>,
    pending: Option<syn::Path>,
    navigation: Option<syn::Expr>,
}

impl Parse for PageArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = PageArgs {
            paths: Vec::new(),
            pending: None,
            navigation: None,
        };
        while !input.is_empty() {
            if input.peek(LitStr) {
                args.paths.push(input.parse()?);
            } else {
                let expected =
                    "expected a path (\"/…\"), `pending = view_fn` or `navigation = Navigation::…`";
                let key: Ident = input
                    .parse()
                    .map_err(|e| syn::Error::new(e.span(), expected))?;
                input.parse::<Token![=]>()?;
                let twice = || syn::Error::new(key.span(), format!("`{key}` is given twice"));
                if key == "pending" {
                    if args.pending.is_some() {
                        return Err(twice());
                    }
                    args.pending = Some(input.parse()?);
                } else if key == "navigation" {
                    if args.navigation.is_some() {
                        return Err(twice());
                    }
                    args.navigation = Some(input.parse()?);
                } else {
                    return Err(syn::Error::new(
                        key.span(),
                        "expected a path, `pending = view_fn` or `navigation = Navigation::…`",
                    ));
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
/// Arguments, in any order:
/// * `#[param] name: T`: the route param `name` parsed into `T` (a 404 when
///   it does not parse); a name the page's path lacks does not compile;
/// * `Params<T>`, `FormData<T>`, `Json<T>` (from `server_props::extract`): all
///   route params as a serde type (checked against the path at start-up),
///   or the request body;
/// * any axum `FromRequestParts` extractor (`State<T>`, `Query<T>`,
///   `HeaderMap`, the app's own): its rejection keeps its status;
/// * `&ResponseHead`, to set the status, headers and cookies; or the whole
///   `&mut LoaderContext<S>`.
///
/// The state type is that of a `State<T>` argument (or of the context's
/// `LoaderContext<S>`), or `()`; name it with
/// `#[loader(Page, state = AppState)]` when an argument reads part of it
/// through `FromRef`. `methods(PUT, DELETE)` lets the page accept those
/// methods besides `GET`, `HEAD` and `POST`.
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
/// async fn sign(FormData(entry): FormData<NewEntry>, State(db): State<Db>) -> ActionResult<GuestbookProps> {
///     if entry.message.trim().is_empty() {
///         return Ok(ActionOutcome::Invalid(GuestbookProps::with_error(entry, "Message is required.")));
///     }
///     db.insert(entry).await?;
///     Ok(ActionOutcome::Done)
/// }
/// ```
///
/// It takes the same arguments as a [`loader`](macro@loader) (typically a
/// `FormData<T>` or `Json<T>` body) and returns `ActionResult<Props>` with the
/// props type of the page's loader; the page's `#[loader]` finds it by
/// itself. Its state is the loader's unless an argument or `state = T` says.
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
    } = args;
    let navigation = navigation.or_else(|| {
        pending
            .as_ref()
            .map(|_| syn::parse_quote!(::server_props::Navigation::skeleton()))
    });
    let navigation = navigation.map(|n| {
        quote! { const NAVIGATION: ::server_props::Navigation = #n; }
    });
    let pending = pending.map(|f| {
        quote! {
            fn pending(
                params: &::server_props::params::DecodedParams,
            ) -> ::core::option::Option<::server_props::__private::AnyView> {
                ::server_props::__private::pending_view(#f, params)
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
    let props = match function.sig.inputs.len() {
        1 => match &function.sig.inputs[0] {
            FnArg::Typed(arg) => (*arg.ty).clone(),
            FnArg::Receiver(r) => {
                return Err(syn::Error::new(
                    r.span(),
                    "a page is a function, not a method",
                ))
            }
        },
        _ => {
            return Err(syn::Error::new(
                function.sig.inputs.span(),
                "a page takes one argument, its props (a page without props is a route: \
                 `Pages::route(\"/\", Home)`)",
            ))
        }
    };
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
            /// The route params every path of this page has.
            #[doc(hidden)]
            pub const __SERVER_PROPS_PARAM_NAMES: &'static [&'static str] = &[#(#params),*];
        }

        impl ::server_props::Page for #name {
            type Props = #props;
            const PATHS: &'static [&'static str] = &[#(#paths),*];
            fn view(props: #props) -> impl ::server_props::__private::IntoView + 'static {
                #name(props)
            }
            #navigation
            #pending
        }
    })
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
        while input.parse::<Option<Token![,]>>()?.is_some() {
            if input.is_empty() {
                break;
            }
            let key: Ident = input.parse()?;
            if key == "state" {
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
                    "expected `state = Type` or `methods(…)`",
                ));
            }
        }
        Ok(Self {
            target,
            state,
            methods,
        })
    }
}

/// How one loader argument is made.
enum Arg {
    /// `#[param] name: T`.
    Param { name: String, ty: Type },
    /// `&ResponseHead`.
    Head,
    /// `&LoaderContext<S>` or `&mut LoaderContext<S>`.
    Context { mutable: bool },
    /// `Params<T>`, `FormData<T>`, `Json<T>`.
    Kit(Type),
    /// Any axum `FromRequestParts` extractor.
    Extractor(Type),
}

fn expand_handler(args: LoaderArgs, mut function: ItemFn, kind: Kind) -> syn::Result<TokenStream2> {
    let what = kind.name();
    if function.sig.asyncness.is_none() {
        return Err(syn::Error::new(
            function.sig.fn_token.span(),
            format!("{} must be an `async fn`", article(what)),
        ));
    }
    if let (Kind::Action, Some(method)) = (kind, args.methods.first()) {
        return Err(syn::Error::new(
            method.span(),
            "the methods a page accepts are its loader's: `#[loader(Page, methods(…))]`",
        ));
    }
    let props = match kind {
        Kind::Loader => Some(props_type(&function.sig.output)?),
        Kind::Action => {
            action_return(&function.sig.output)?;
            None
        }
    };
    let mut kinds = Vec::new();
    let mut params_type: Option<Type> = None;
    let mut state_from_args: Option<Type> = None;
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
        let kind = match &ty {
            Type::Reference(r) => match last_segment(&r.elem) {
                Some((ident, _)) if ident == "ResponseHead" => Arg::Head,
                Some((ident, state)) if ident == "LoaderContext" => {
                    if let Some(state) = state {
                        state_from_args.get_or_insert(state);
                    }
                    Arg::Context {
                        mutable: r.mutability.is_some(),
                    }
                }
                _ => {
                    return Err(syn::Error::new(
                        ty.span(),
                        format!(
                            "{} takes `&ResponseHead` or `&mut LoaderContext<S>` by reference; \
                             extractors by value",
                            article(what)
                        ),
                    ))
                }
            },
            _ => match last_segment(&ty) {
                Some((ident, Some(inner))) if ident == "Params" => {
                    params_type = Some(inner);
                    Arg::Kit(ty.clone())
                }
                Some((ident, Some(_))) if ident == "FormData" || ident == "Json" => {
                    Arg::Kit(ty.clone())
                }
                Some((ident, Some(inner))) if ident == "State" => {
                    if state_from_args.is_none() {
                        state_from_args = Some(inner);
                    }
                    Arg::Extractor(ty.clone())
                }
                _ => Arg::Extractor(ty.clone()),
            },
        };
        kinds.push(kind);
    }
    let target = &args.target;
    let kit = quote!(::server_props);
    let state = args
        .state
        .clone()
        .or(state_from_args)
        .unwrap_or_else(|| match kind {
            Kind::Loader => syn::parse_quote!(()),
            // The page's loader says.
            Kind::Action => syn::parse_quote!(<#target as #kit::Loader>::State),
        });
    let name = &function.sig.ident;

    let mut checks = Vec::new();
    let mut made = Vec::new();
    let mut call = Vec::new();
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
            Arg::Kit(ty) => {
                made.push(quote! {
                    let #var = <#ty as #kit::extract::FromLoader<#state>>::from_loader(cx).await?;
                });
                call.push(quote!(#var));
            }
            Arg::Extractor(ty) => {
                made.push(quote! { let #var = cx.extract::<#ty>().await?; });
                call.push(quote!(#var));
            }
            Arg::Head => call.push(quote!(cx.response())),
            Arg::Context { mutable: true } => call.push(quote!(&mut *cx)),
            Arg::Context { mutable: false } => call.push(quote!(&*cx)),
        }
    }
    let params_read: Vec<&String> = kinds
        .iter()
        .filter_map(|k| match k {
            Arg::Param { name, .. } => Some(name),
            _ => None,
        })
        .collect();
    let head_and_context = kinds.iter().any(|k| matches!(k, Arg::Head))
        && kinds
            .iter()
            .any(|k| matches!(k, Arg::Context { mutable: true }));
    if head_and_context {
        return Err(syn::Error::new(
            function.sig.inputs.span(),
            "take either `&ResponseHead` or `&mut LoaderContext<S>` (whose `response()` is the head), not both",
        ));
    }
    let params_type = params_type.unwrap_or_else(|| syn::parse_quote!(#kit::__private::IgnoredAny));
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
        return Ok(quote! {
            #[cfg(feature = "ssr")]
            #function

            #(#checks)*

            #[cfg(feature = "ssr")]
            impl #kit::Action for #target {
                async fn act(
                    cx: &mut #kit::LoaderContext<#state>,
                ) -> #kit::ActionResult<<#target as #kit::Loader>::Props> {
                    #(#made)*
                    #kit::__private::into_action_result(#name(#(#call),*).await)
                }
            }
        });
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

/// An action's return type: `ActionResult<P>` or `Result<ActionOutcome<P>, E>`.
fn action_return(output: &ReturnType) -> syn::Result<()> {
    let error = || {
        syn::Error::new(
            output.span(),
            "an action returns what comes next as `ActionResult<Props>` \
             (or `Result<ActionOutcome<Props>, E>`)",
        )
    };
    let ReturnType::Type(_, ty) = output else {
        return Err(error());
    };
    match last_segment(ty) {
        Some((ident, Some(_))) if ident == "ActionResult" => Ok(()),
        Some((ident, Some(inner))) if ident == "Result" => match last_segment(&inner) {
            Some((ident, _)) if ident == "ActionOutcome" => Ok(()),
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
