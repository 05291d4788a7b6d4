; Go comments.

(comment) @comment
