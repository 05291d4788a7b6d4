; Lua complexity: decision points, loops and functions.

(if_statement) @branch
(elseif_statement) @branch
(for_statement) @loop
(while_statement) @loop
(repeat_statement) @loop
(function_declaration) @function
(function_definition) @function
