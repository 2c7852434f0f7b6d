//! The package's build script, for its tests: tells them whether a
//! PostgreSQL server is configured (`TEST_DATABASE_URL`), as the cfg
//! `test_database`, so that without one each scenario's PostgreSQL case is
//! reported as ignored rather than passed (see `on_each_backend!` in
//! `tests/common/mod.rs`). Nothing in the server depends on it.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(test_database)");
    println!("cargo::rerun-if-env-changed=TEST_DATABASE_URL");
    if std::env::var("TEST_DATABASE_URL").is_ok_and(|url| !url.is_empty()) {
        println!("cargo::rustc-cfg=test_database");
    }
}
