; Java imports (static ones included).

(import_declaration) @import
