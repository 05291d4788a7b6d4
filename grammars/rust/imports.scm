; Rust imports: `use` declarations and `extern crate`.

(use_declaration) @import
(extern_crate_declaration) @import
