; Java comments (Javadoc included).

(line_comment) @comment
(block_comment) @comment
