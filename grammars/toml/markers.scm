; TOML comments.

(comment) @comment
