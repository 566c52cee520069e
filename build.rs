// `sqlx::migrate!` embeds migrations/ at compile time; a new file there must trigger a rebuild.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
