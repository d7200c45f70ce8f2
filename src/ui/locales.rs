// The `load_locales!` macro is deprecated upstream in favour of build-script generation;
// the macro keeps native `cargo test` free of a build script that would have to compile the
// i18n tool chain for the host as well. It checks every key at compile time either way.
#![allow(deprecated)]
leptos_i18n::load_locales!();
