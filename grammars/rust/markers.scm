; Rust comments (doc comments included), read for TODO / FIXME / AI: markers.

(line_comment) @comment
(block_comment) @comment
