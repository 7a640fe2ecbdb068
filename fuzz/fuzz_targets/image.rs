//! Any bytes as an embedded file system image, as `virtc inspect` and the adapter read it:
//! `Image::new` then every node, listing, lookup and contents (`virtc_fuzz::structured::walk_image`).

#![no_main]

use libfuzzer_sys::fuzz_target;
use virtc_policy::image::Image;

fuzz_target!(|data: &[u8]| {
    let Ok(image) = Image::new(data) else {
        return;
    };
    virtc_fuzz::structured::walk_image(&image, false);
});
