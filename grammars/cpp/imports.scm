; C++ imports: what C++ adds to the C includes.

(using_declaration) @import
