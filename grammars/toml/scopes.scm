; TOML scopes: the table a position is in. Its signature is its header line.

(table [(bare_key) (dotted_key) (quoted_key)] @name) @table
(table_array_element [(bare_key) (dotted_key) (quoted_key)] @name) @table
