//! Outputs whose embedded image is written in at the end: the adapter is built, wrapped and
//! composed with only the policy's bytes before the image in its data segment, and the image
//! (held once, where embedding read it) goes into the output as it is written, with the sizes
//! of the segment and of every section, module and component around it rewritten. A 100 MB
//! tree is then never copied into a data segment, a component and a composition in turn.

use std::io::Write;
use std::ops::Deref;
use std::sync::OnceLock;

use virtc_policy::image::ImageBytes;
use wasmparser::{Parser, Payload};

use super::error::SpliceError;

/// The bytes of an output: those built, and the image that goes into them (see the module's
/// documentation). Dereferences to the complete bytes, built on first use; [`OutputBytes::write_to`]
/// writes them without ever holding them.
#[derive(Debug, Clone)]
pub struct OutputBytes {
    built: Vec<u8>,
    splice: Option<Splice>,
    complete: OnceLock<Vec<u8>>,
}

/// Where the image goes into the built bytes.
#[derive(Debug, Clone)]
struct Splice {
    /// The offset of the built bytes where the image is inserted (the end of the segment).
    at: usize,
    /// The sizes that enclose it, outermost first, with their new values.
    sizes: Vec<Size>,
    image: ImageBytes,
}

/// A LEB128 size field of the built bytes and the value it gets.
#[derive(Debug, Clone)]
struct Size {
    at: usize,
    len: usize,
    value: u32,
}

impl OutputBytes {
    /// Bytes that are complete as built.
    pub fn plain(bytes: Vec<u8>) -> OutputBytes {
        OutputBytes {
            built: bytes,
            splice: None,
            complete: OnceLock::new(),
        }
    }

    /// `built` with `image` inserted after the one data segment, in any module nested in it,
    /// whose bytes are `head`.
    pub fn with_image(
        built: Vec<u8>,
        head: &[u8],
        image: ImageBytes,
    ) -> Result<OutputBytes, SpliceError> {
        if image.is_empty() {
            return Ok(OutputBytes::plain(built));
        }
        let (at, enclosing) = locate(&built, head)?;
        let extra = u32::try_from(image.len()).map_err(|_| SpliceError::TooLarge)?;
        // Innermost first: each size grows by the image and by the growth of the sizes inside.
        let mut grown: u32 = 0;
        let mut sizes = Vec::with_capacity(enclosing.len());
        for Size {
            at: field_at,
            len,
            value,
        } in enclosing.into_iter().rev()
        {
            let value = value
                .checked_add(extra)
                .and_then(|v| v.checked_add(grown))
                .ok_or(SpliceError::TooLarge)?;
            grown = grown
                .checked_add((leb_len(value) - len) as u32)
                .ok_or(SpliceError::TooLarge)?;
            sizes.push(Size {
                at: field_at,
                len,
                value,
            });
        }
        sizes.reverse();
        Ok(OutputBytes {
            built,
            splice: Some(Splice { at, sizes, image }),
            complete: OnceLock::new(),
        })
    }

    /// The bytes as built, without the image: the same structure, for reading imports and
    /// exports without building the complete bytes.
    pub fn built(&self) -> &[u8] {
        &self.built
    }

    /// The length of the complete bytes.
    pub fn len(&self) -> usize {
        match &self.splice {
            None => self.built.len(),
            Some(splice) => self.built.len() + splice.growth(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes the complete bytes to `out`, the image from where it lies.
    pub fn write_to(&self, out: &mut dyn Write) -> std::io::Result<()> {
        match &self.splice {
            None => out.write_all(&self.built),
            Some(splice) => splice.write(&self.built, out),
        }
    }

    /// The complete bytes, built now.
    pub fn into_vec(self) -> Vec<u8> {
        match (self.splice, self.complete.into_inner()) {
            (None, _) => self.built,
            (Some(_), Some(complete)) => complete,
            (Some(splice), None) => complete(&self.built, &splice),
        }
    }
}

impl Splice {
    /// `built` with the image inserted and the sizes around it rewritten.
    fn write(&self, built: &[u8], out: &mut dyn Write) -> std::io::Result<()> {
        let mut from = 0;
        for size in &self.sizes {
            out.write_all(&built[from..size.at])?;
            out.write_all(&leb(size.value))?;
            from = size.at + size.len;
        }
        out.write_all(&built[from..self.at])?;
        for part in self.image.parts() {
            out.write_all(part)?;
        }
        out.write_all(&built[self.at..])
    }

    /// How many bytes the image and the longer size fields add to `built`.
    fn growth(&self) -> usize {
        let fields: usize = self.sizes.iter().map(|f| leb_len(f.value) - f.len).sum();
        self.image.len() + fields
    }
}

fn complete(built: &[u8], splice: &Splice) -> Vec<u8> {
    let mut out = Vec::with_capacity(built.len() + splice.growth());
    splice
        .write(built, &mut out)
        .expect("writing to a Vec does not fail");
    out
}

impl Deref for OutputBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match &self.splice {
            None => &self.built,
            Some(splice) => self.complete.get_or_init(|| complete(&self.built, splice)),
        }
    }
}

/// Equal complete bytes.
impl PartialEq for OutputBytes {
    fn eq(&self, other: &OutputBytes) -> bool {
        **self == **other
    }
}

impl Eq for OutputBytes {}

impl PartialEq<[u8]> for OutputBytes {
    fn eq(&self, other: &[u8]) -> bool {
        **self == *other
    }
}

impl PartialEq<Vec<u8>> for OutputBytes {
    fn eq(&self, other: &Vec<u8>) -> bool {
        **self == **other
    }
}

/// Finds the data segment holding exactly `head` and every size field around it: returns
/// where its bytes end, and each field with its value now, outermost first.
fn locate(bytes: &[u8], head: &[u8]) -> Result<(usize, Vec<Size>), SpliceError> {
    let malformed = |why: String| SpliceError::Malformed { why };
    let mut enclosing: Vec<std::ops::Range<usize>> = Vec::new();
    let mut found = Vec::new();
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload.map_err(|e| malformed(e.to_string()))?;
        match payload {
            Payload::ModuleSection {
                unchecked_range, ..
            }
            | Payload::ComponentSection {
                unchecked_range, ..
            } => enclosing.push(unchecked_range.start as usize..unchecked_range.end as usize),
            Payload::End(_) => {
                enclosing.pop();
            }
            Payload::DataSection(reader) => {
                let section = reader.range();
                let section = section.start as usize..section.end as usize;
                for data in reader {
                    let data = data.map_err(|e| malformed(e.to_string()))?;
                    if data.data == head {
                        let start = data.data.as_ptr() as usize - bytes.as_ptr() as usize;
                        let mut ranges = enclosing.clone();
                        ranges.push(section.clone());
                        ranges.push(start..start + head.len());
                        found.push(ranges);
                    }
                }
            }
            _ => {}
        }
    }
    let [ranges] =
        <[_; 1]>::try_from(found).map_err(|found| SpliceError::Segments { found: found.len() })?;
    let at = ranges.last().map_or(0, |r| r.end);
    let fields = ranges
        .iter()
        .map(|range| {
            let (field_at, len, value) = leb_before(bytes, range.start)
                .ok_or_else(|| malformed(format!("no size before offset {}", range.start)))?;
            if value as usize != range.len() {
                return Err(malformed(format!(
                    "the size at offset {field_at} is {value}, not {}",
                    range.len()
                )));
            }
            Ok(Size {
                at: field_at,
                len,
                value,
            })
        })
        .collect::<Result<_, _>>()?;
    Ok((at, fields))
}

/// The unsigned LEB128 number that ends at `end`: its offset, length and value. Its last byte
/// has the high bit clear and the others set; the byte before it (a section id, an `end`
/// opcode, a memory index) has it clear.
fn leb_before(bytes: &[u8], end: usize) -> Option<(usize, usize, u32)> {
    let last = end.checked_sub(1)?;
    if bytes.get(last)? & 0x80 != 0 {
        return None;
    }
    let mut start = last;
    while start > 0 && bytes[start - 1] & 0x80 != 0 && last - start < 4 {
        start -= 1;
    }
    let mut value: u64 = 0;
    for (k, byte) in bytes[start..end].iter().enumerate() {
        value |= u64::from(byte & 0x7f) << (7 * k);
    }
    Some((start, end - start, u32::try_from(value).ok()?))
}

fn leb_len(value: u32) -> usize {
    leb(value).len()
}

fn leb(value: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(5);
    super::module_rewrite::put_leb(&mut out, u64::from(value));
    out
}

#[cfg(test)]
mod tests;
