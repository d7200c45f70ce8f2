// The binary is only meaningful in the browser; on the host it exists so that
// `cargo test` can build the whole package without any browser crate.
#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    patroldesk::ui::mount();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("PatrolDesk runs in the browser: use `make run`.");
}
