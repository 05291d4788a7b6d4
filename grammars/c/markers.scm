; C and C++ comments.

(comment) @comment
