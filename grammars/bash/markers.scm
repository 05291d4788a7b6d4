; Bash comments (the shebang is one, and carries no marker).

(comment) @comment
