; Markdown comments: HTML comments, which the block grammar parses as HTML blocks.

((html_block) @comment (#match? @comment "^<!--"))
