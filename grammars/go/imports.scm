; Go imports: each `import` declaration, single or grouped.

(import_declaration) @import
