//! `#[medcab_e2e::test]`: what every end-to-end test does before and after
//! its own steps, written once.
//!
//! ```ignore
//! #[medcab_e2e::test]
//! async fn the_menu_opens(app: TestApp) {
//!     // … the test's steps …
//! }
//! ```
//!
//! becomes a `#[sqlx::test]` on a fresh database migrated with
//! `medcab_core::MIGRATOR`, that starts the bot against the sandbox
//! (`TestApp::spawn`), runs the steps, and ends with `TestApp::finish`,
//! which fails the test when the sandbox refused a Bot API call. A test can
//! no longer forget that last check. A test that needs other settings, its
//! own Redis, or ends with `finish_expecting` keeps the long form.

use proc_macro::TokenStream;
use quote::quote;
use syn::{FnArg, ItemFn, Pat, parse_macro_input, spanned::Spanned};

#[proc_macro_attribute]
pub fn test(attr: TokenStream, item: TokenStream) -> TokenStream {
    if !attr.is_empty() {
        let attr = proc_macro2::TokenStream::from(attr);
        return syn::Error::new(attr.span(), "#[medcab_e2e::test] takes no arguments")
            .to_compile_error()
            .into();
    }
    let test = parse_macro_input!(item as ItemFn);
    match expand(test) {
        Ok(tokens) => tokens.into(),
        Err(error) => error.to_compile_error().into(),
    }
}

fn expand(test: ItemFn) -> syn::Result<proc_macro2::TokenStream> {
    let ItemFn {
        attrs,
        vis,
        sig,
        block,
    } = test;
    if sig.asyncness.is_none() {
        return Err(syn::Error::new(
            sig.span(),
            "an end-to-end test is an async fn",
        ));
    }
    let (app, app_type) = match sig.inputs.iter().collect::<Vec<_>>().as_slice() {
        [FnArg::Typed(argument)] => match argument.pat.as_ref() {
            Pat::Ident(binding) => (binding.clone(), argument.ty.clone()),
            other => {
                return Err(syn::Error::new(
                    other.span(),
                    "name the app: `app: TestApp` or `mut app: TestApp`",
                ));
            }
        },
        _ => {
            return Err(syn::Error::new(
                sig.inputs.span(),
                "an end-to-end test takes one argument: `app: TestApp`",
            ));
        }
    };
    let name = &sig.ident;
    let app_name = &app.ident;
    Ok(quote! {
        #(#attrs)*
        #[::sqlx::test(migrator = "medcab_core::MIGRATOR")]
        #vis async fn #name(db: ::sqlx::PgPool) {
            let #app: #app_type = ::medcab_e2e::TestApp::spawn(db).await;
            #block
            #app_name.finish().await;
        }
    })
}
