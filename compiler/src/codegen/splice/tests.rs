use wasm_encoder::{
    Component, ConstExpr, DataSection, MemorySection, MemoryType, Module, ModuleSection,
    NestedComponentSection,
};

use super::*;

/// A component holding a component holding a module whose data segments are `segments`
/// (after a `filler` segment that makes the sections large).
fn nested(segments: &[&[u8]], filler: usize) -> Vec<u8> {
    let mut module = Module::new();
    let mut memory = MemorySection::new();
    memory.memory(MemoryType {
        minimum: 1,
        maximum: None,
        memory64: false,
        shared: false,
        page_size_log2: None,
    });
    module.section(&memory);
    let mut data = DataSection::new();
    data.active(0, &ConstExpr::i32_const(0), vec![7u8; filler]);
    for (k, segment) in segments.iter().enumerate() {
        data.active(
            0,
            &ConstExpr::i32_const(64 * k as i32),
            segment.iter().copied(),
        );
    }
    module.section(&data);
    let mut inner = Component::new();
    inner.section(&ModuleSection(&module));
    let mut outer = Component::new();
    outer.section(&NestedComponentSection(&inner));
    outer.finish()
}

fn image(len: usize) -> ImageBytes {
    let bytes: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
    let (head, contents) = bytes.split_at(len / 3);
    ImageBytes::new(head.to_vec(), contents.to_vec())
}

/// Splicing gives the bytes encoded with the image in the segment from the start, for every
/// growth of the size fields (none, one byte, several, at every level).
#[test]
fn the_image_lands_where_it_would_have_been_encoded() {
    let head = b"POLICY-HEAD\0\0\0\0\0";
    for filler in [0, 50, 100, 127, 16_000, 16_383, 16_384] {
        for len in [1, 2, 100, 111, 112, 113, 200, 16_384, 70_000, 2_100_000] {
            let image = image(len);
            let built = nested(&[b"other", head], filler);
            let spliced = OutputBytes::with_image(built, head, image.clone()).unwrap();
            let whole = [head.as_slice(), &image.to_vec()].concat();
            let expected = nested(&[b"other", &whole], filler);
            let mut written = Vec::new();
            spliced.write_to(&mut written).unwrap();
            assert!(written == expected, "filler {filler}, image {len}");
            assert_eq!(spliced.len(), expected.len());
            assert!(*spliced == *expected);
            assert!(spliced.clone().into_vec() == expected);
            wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
                .validate_all(&written)
                .unwrap();
        }
    }
}

#[test]
fn an_empty_image_leaves_the_bytes_alone() {
    let built = nested(&[b"head"], 10);
    let out = OutputBytes::with_image(built.clone(), b"nowhere", ImageBytes::default()).unwrap();
    assert!(out.built() == built.as_slice() && *out == *built);
}

#[test]
fn the_policy_must_be_in_exactly_one_segment() {
    let image = image(10);
    let none = nested(&[b"other"], 0);
    assert_eq!(
        OutputBytes::with_image(none, b"head", image.clone()).unwrap_err(),
        SpliceError::Segments { found: 0 }
    );
    let two = nested(&[b"head", b"head"], 0);
    assert_eq!(
        OutputBytes::with_image(two, b"head", image.clone()).unwrap_err(),
        SpliceError::Segments { found: 2 }
    );
    assert!(matches!(
        OutputBytes::with_image(b"\0asm garbage".to_vec(), b"head", image),
        Err(SpliceError::Malformed { .. })
    ));
}

#[test]
fn sizes_are_read_backwards() {
    // A section id, then 300 in two bytes and in five (padded).
    assert_eq!(leb_before(&[1, 0xac, 0x02], 3), Some((1, 2, 300)));
    assert_eq!(
        leb_before(&[1, 0xac, 0x82, 0x80, 0x80, 0x00], 6),
        Some((1, 5, 300))
    );
    assert_eq!(leb_before(&[1, 0x05], 2), Some((1, 1, 5)));
    // Not the end of a number.
    assert_eq!(leb_before(&[1, 0x85], 2), None);
    assert_eq!(leb_before(&[], 0), None);
    for value in [0, 1, 127, 128, 16_383, 16_384, u32::MAX] {
        let mut bytes = vec![0x0b];
        bytes.extend(leb(value));
        assert_eq!(
            leb_before(&bytes, bytes.len()),
            Some((1, leb_len(value), value))
        );
    }
}
