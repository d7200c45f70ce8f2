// The XLSX workbook writer in a Web Worker: rust_xlsxwriter and its zip code are about a
// tenth of the app's wasm and only needed when head office asks for a workbook, so they
// are built as their own small wasm and loaded then (see platform/xlsx.rs).
#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    patroldesk::platform::xlsx::serve();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("The XLSX worker runs in the browser.");
}
