//! Subsystem gates: how the compiler drops the code of a subsystem the policy cannot reach,
//! although an export can reach it through run-time dispatch (a `match` on a descriptor's or a
//! stream's kind).
//!
//! Each entry function of a gated subsystem is `#[inline(never)]` and calls its gate first
//! thing, e.g. `gate::memfs();`. A gate is an import of `virtc:gate` that does nothing: when the
//! policy has the subsystem, the compiler removes its calls; when it has not, the compiler turns
//! every function that calls it into `unreachable`, and its dead-code pass drops what only those
//! functions reached (`compiler/src/codegen/module_rewrite.rs`; which gates are open:
//! `gate_open` in `compiler/src/codegen/adapter.rs`). So a gated function must be one that only
//! runs when its subsystem exists: a method of something only that subsystem makes, or a
//! function whose callers check first (e.g. [`crate::fs::memory::mounted`]).

#[link(wasm_import_module = "virtc:gate")]
unsafe extern "C" {
    #[link_name = "memfs"]
    fn memfs_gate();
    #[link_name = "embedded"]
    fn embedded_gate();
    #[link_name = "host-files"]
    fn host_files_gate();
    #[link_name = "preopens"]
    fn preopens_gate();
    #[link_name = "host-dirs"]
    fn host_dirs_gate();
    #[link_name = "host-env"]
    fn host_env_gate();
    #[link_name = "host-input"]
    fn host_input_gate();
}

/// Writable trees in memory (`tmpfs`, `mount … writable`): [`crate::fs::memory`].
#[inline(always)]
pub fn memfs() {
    // SAFETY: the import does nothing (the compiler removes or replaces every call).
    unsafe { memfs_gate() }
}

/// The embedded read-only image: [`crate::fs::embedded`].
#[inline(always)]
pub fn embedded() {
    // SAFETY: as for `memfs`.
    unsafe { embedded_gate() }
}

/// Host files served inside the image: [`crate::fs::host_files`].
#[inline(always)]
pub fn host_files() {
    // SAFETY: as for `memfs`.
    unsafe { host_files_gate() }
}

/// Preopens of any kind, or `allow fs`: the listing in `fs/preopens.rs`.
#[inline(always)]
pub fn preopens() {
    // SAFETY: as for `memfs`.
    unsafe { preopens_gate() }
}

/// Host directories among the preopens, or `allow fs`: their listing in `fs/preopens.rs`.
#[inline(always)]
pub fn host_dirs() {
    // SAFETY: as for `memfs`.
    unsafe { host_dirs_gate() }
}

/// Host environment variables that may pass: their reading in `cli/environment.rs`.
#[inline(always)]
pub fn host_env() {
    // SAFETY: as for `memfs`.
    unsafe { host_env_gate() }
}

/// Host input streams (standard input, host files, sockets, HTTP bodies): what is done to one
/// in `io/streams.rs`.
#[inline(always)]
pub fn host_input() {
    // SAFETY: as for `memfs`.
    unsafe { host_input_gate() }
}
