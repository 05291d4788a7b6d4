; Lua comments, `--` and `--[[ ]]` alike.

(comment) @comment
