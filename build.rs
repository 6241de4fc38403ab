//! Link the `confnotes` binary as a position-dependent executable on
//! x86-64 Linux. As a PIE it carried 85 000 relative relocations that the
//! dynamic loader applied at every start: a tenth of a short command's
//! time on the 1000x bench corpus (about 2 ms). Libraries, tests and other
//! targets are left as they are.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let target = std::env::var("TARGET").unwrap_or_default();
    if target == "x86_64-unknown-linux-gnu" {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
