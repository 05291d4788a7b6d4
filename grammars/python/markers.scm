; Python comments. Docstrings are strings, not comments: a TODO there is documentation.

(comment) @comment
