; C includes (C++ inherits them).

(preproc_include) @import
