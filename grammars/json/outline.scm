; JSON outline: the keys of the top-level object, and every key whose value is an object (the
; structure of a config file without its leaves). No scopes, imports or complexity in JSON.

(pair key: (string (string_content) @name) value: (object) @body) @key
(document (object (pair key: (string (string_content) @name)) @key))
