//! Validates a composition without validating again the code of a component already validated.
//!
//! Validating function bodies is most of validating a component. The user's component was
//! validated whole when it was read (`ComponentInfo::read`), and a composition holds it byte for
//! byte; so the composition's types, instances and every other part are validated, and so is
//! every function body of the parts virtc made, but not those inside the user's component.

use std::ops::Range;

use wasmparser::{
    FuncValidatorAllocations, Parser, Payload, ValidPayload, Validator, WasmFeatures,
};

/// Validates `bytes`, skipping the function bodies of any nested component or module equal,
/// byte for byte, to one of `validated` (which must themselves have been validated whole, with
/// every feature).
pub fn validate_skipping(
    bytes: &[u8],
    validated: &[&[u8]],
) -> Result<(), wasmparser::BinaryReaderError> {
    let features = WasmFeatures::all();
    let mut validator = Validator::new_with_features(features);
    let mut parser = Parser::new(0);
    parser.set_features(features);
    // Byte ranges (in `bytes`) of nested parts whose bodies need no validation.
    let mut trusted: Vec<Range<u64>> = Vec::new();
    let mut allocations = FuncValidatorAllocations::default();
    for payload in parser.parse_all(bytes) {
        let payload = payload?;
        if let Payload::ComponentSection {
            unchecked_range, ..
        }
        | Payload::ModuleSection {
            unchecked_range, ..
        } = &payload
            && let Ok(start) = usize::try_from(unchecked_range.start)
            && let Ok(end) = usize::try_from(unchecked_range.end)
            && let Some(nested) = bytes.get(start..end)
            && validated.contains(&nested)
        {
            trusted.push(unchecked_range.clone());
        }
        if let ValidPayload::Func(func, body) = validator.payload(&payload)? {
            let range = body.range();
            if !trusted
                .iter()
                .any(|t| t.start <= range.start && range.end <= t.end)
            {
                let mut func = func.into_validator(allocations);
                func.validate(&body)?;
                allocations = func.into_allocations();
            }
        }
    }
    Ok(())
}
