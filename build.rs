// The language catalogues are read at compile time by `leptos_i18n::load_locales!`, which
// does not tell cargo about them: without this, editing only a catalogue would leave the
// old strings in the build.
fn main() {
    println!("cargo:rerun-if-changed=locales");
    println!("cargo:rerun-if-changed=Cargo.toml");
}
