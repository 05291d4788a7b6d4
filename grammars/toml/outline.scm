; TOML outline: tables and arrays of tables, each shown by its header line.

(table [(bare_key) (dotted_key) (quoted_key)] @name) @table
(table_array_element [(bare_key) (dotted_key) (quoted_key)] @name) @table
