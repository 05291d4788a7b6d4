; JSON with comments (jsonc): the grammar accepts `//` and `/* */` comments.

(comment) @comment
