//! What can fail while building bytes, typed per stage: rewriting the prebuilt module, reading
//! the embedded WIT, building the adapter, composing it into the component, stubbing out
//! `deny import` interfaces. Each stage's error says which item failed; the text of a foreign
//! error (wasmparser, wit-parser, wac) is kept as the reason, since it names the type at fault.
//! [`crate::error::InputError`] wraps them, one code per stage, at the edge.

use std::fmt;

/// A foreign library's error, kept as its full text (`{:#}`: the whole chain of causes).
pub(crate) fn why(e: impl fmt::Display) -> String {
    let text = format!("{e:#}");
    text.trim_end().to_owned()
}

/// Rewriting the adapter's core module (`module_rewrite`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RewriteError {
    /// The bytes do not parse as a core module.
    Parse { why: String },
    /// The bytes are a component, not a core module.
    NotCoreModule,
    /// The module imports its memory instead of defining it.
    ImportedMemory,
    /// The module has no memory to append the policy to.
    NoMemory,
    /// An export or call names a function that does not exist.
    FunctionOutOfRange { index: u32 },
    /// The policy does not fit after the module's memory in a 32-bit address space.
    MemoryTooLarge { data: usize },
    /// Re-encoding a section failed.
    Reencode { why: String },
}

impl fmt::Display for RewriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RewriteError::Parse { why } => write!(f, "the adapter module does not parse: {why}"),
            RewriteError::NotCoreModule => f.write_str("the adapter is not a core module"),
            RewriteError::ImportedMemory => f.write_str("the adapter must define its memory"),
            RewriteError::NoMemory => f.write_str("the adapter defines no memory"),
            RewriteError::FunctionOutOfRange { index } => {
                write!(
                    f,
                    "the adapter names function {index}, which does not exist"
                )
            }
            RewriteError::MemoryTooLarge { data } => write!(
                f,
                "the adapter's memory is too large to append the policy ({data} bytes)"
            ),
            RewriteError::Reencode { why } => write!(f, "rewriting the adapter failed: {why}"),
        }
    }
}

impl From<wasmparser::BinaryReaderError> for RewriteError {
    fn from(e: wasmparser::BinaryReaderError) -> Self {
        RewriteError::Parse { why: why(e) }
    }
}

impl From<super::module_rewrite::InfoError> for RewriteError {
    fn from(e: super::module_rewrite::InfoError) -> Self {
        use super::module_rewrite::InfoError;
        match e {
            InfoError::Parse(why) => RewriteError::Parse { why },
            InfoError::NotCoreModule => RewriteError::NotCoreModule,
            InfoError::ImportedMemory => RewriteError::ImportedMemory,
            InfoError::NoMemory => RewriteError::NoMemory,
            InfoError::Corrupt => RewriteError::Parse {
                why: "the module info computed at build time is corrupt".into(),
            },
        }
    }
}

/// Reading virtc's embedded WIT (`wasi_wit`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WitError {
    /// The WIT of one WASI package, retargeted to the component's version, does not parse.
    Package { package: String, why: String },
    /// virtc's own `virtc:adapter` package does not parse.
    Adapter { why: String },
}

impl fmt::Display for WitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WitError::Package { package, why } => {
                write!(
                    f,
                    "the embedded WIT of wasi:{package} does not parse: {why}"
                )
            }
            WitError::Adapter { why } => {
                write!(f, "the embedded adapter WIT does not parse: {why}")
            }
        }
    }
}

/// Building an adapter component (`adapter`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdapterError {
    Rewrite(RewriteError),
    Wit(WitError),
    /// The rewritten module still imports a module that is neither WASI nor virtc's own.
    StrayImport {
        module: String,
    },
    /// The world written for the rewritten module does not resolve.
    World {
        world: String,
        why: String,
    },
    /// The component-type metadata cannot be embedded.
    Metadata {
        why: String,
    },
    /// wit-component refuses the module or fails to encode it.
    Encode {
        why: String,
    },
    /// The embedded image cannot be written into the output (`splice`).
    Splice(SpliceError),
}

impl fmt::Display for AdapterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AdapterError::Rewrite(e) => e.fmt(f),
            AdapterError::Wit(e) => e.fmt(f),
            AdapterError::StrayImport { module } => {
                write!(
                    f,
                    "the adapter still imports `{module}`, which no host provides"
                )
            }
            AdapterError::World { world, why } => {
                write!(f, "the adapter's world does not resolve: {why}\n{world}")
            }
            AdapterError::Metadata { why } => {
                write!(f, "the adapter's component type cannot be embedded: {why}")
            }
            AdapterError::Encode { why } => {
                write!(f, "encoding the adapter component failed: {why}")
            }
            AdapterError::Splice(e) => e.fmt(f),
        }
    }
}

/// Writing the embedded image into an output built without it (`splice`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpliceError {
    /// Not exactly one data segment holds the policy's bytes.
    Segments { found: usize },
    /// The output does not parse, or a size field is not where it should be.
    Malformed { why: String },
    /// With the image, a section or the segment would exceed 4 GiB.
    TooLarge,
}

impl fmt::Display for SpliceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpliceError::Segments { found } => write!(
                f,
                "the output has {found} data segments holding the policy, not one, to put the embedded files after"
            ),
            SpliceError::Malformed { why } => {
                write!(f, "the embedded files cannot be written into the output: {why}")
            }
            SpliceError::TooLarge => f.write_str(
                "the output with its embedded files would exceed 4 GiB, the most a section can hold",
            ),
        }
    }
}

impl From<RewriteError> for AdapterError {
    fn from(e: RewriteError) -> Self {
        AdapterError::Rewrite(e)
    }
}

impl From<WitError> for AdapterError {
    fn from(e: WitError) -> Self {
        AdapterError::Wit(e)
    }
}

/// Plugging the adapter (and, when serving HTTP, its mailbox and server instances) into the
/// component (`compose`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComposeError {
    /// One of the parts cannot be read as a component for composition.
    Read { part: String, why: String },
    /// An adapter export meets the component's import of the same name, but the types differ:
    /// the component's view of that WASI interface is not WASI's at that version.
    Misfit { interface: String, why: String },
    /// None of the adapter's exports matches an import of the component.
    NothingPlugged,
    /// Wiring one instance's export into another's import failed.
    Wire {
        export: String,
        import: String,
        why: String,
    },
    /// The component is served but exports no `wasi:http/incoming-handler`.
    NoHandler,
    /// Re-exporting one of the component's exports failed.
    Export { name: String, why: String },
    /// The serving instances (mailbox, server) cannot be built.
    Serving(AdapterError),
    /// The composition does not encode or validate.
    Encode { why: String },
}

impl fmt::Display for ComposeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ComposeError::Read { part, why } => {
                write!(f, "`{part}` cannot be read for composition: {why}")
            }
            ComposeError::Misfit { interface, why } => write!(
                f,
                "the component's import of `{interface}` does not match WASI's definition of it: {why}"
            ),
            ComposeError::NothingPlugged => {
                f.write_str("none of the adapter's exports matches an import of the component")
            }
            ComposeError::Wire {
                export,
                import,
                why,
            } => write!(f, "`{export}` cannot satisfy `{import}`: {why}"),
            ComposeError::NoHandler => {
                f.write_str("the component exports no wasi:http/incoming-handler")
            }
            ComposeError::Export { name, why } => write!(f, "exporting `{name}` failed: {why}"),
            ComposeError::Serving(e) => write!(f, "building the HTTP serving instances: {e}"),
            ComposeError::Encode { why } => {
                write!(f, "encoding the composed component failed: {why}")
            }
        }
    }
}

/// Building the stub component of `deny import` (`stub`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StubError {
    /// The component's own types cannot be decoded.
    Decode { why: String },
    /// A denied import is a function or type, not an interface.
    NotAnInterface { name: String },
    /// The stub's world does not resolve.
    World { world: String, why: String },
    /// wit-component refuses the stub module or fails to encode it.
    Encode { why: String },
    /// Plugging the stub into the output failed.
    Compose(ComposeError),
}

impl fmt::Display for StubError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StubError::Decode { why } => {
                write!(f, "the component's interfaces cannot be read: {why}")
            }
            StubError::NotAnInterface { name } => write!(
                f,
                "`{name}` is not an interface; only interfaces can be stubbed out"
            ),
            StubError::World { world, why } => {
                write!(f, "the stub world does not resolve: {why}\n{world}")
            }
            StubError::Encode { why } => write!(f, "encoding the stub component failed: {why}"),
            StubError::Compose(e) => e.fmt(f),
        }
    }
}
