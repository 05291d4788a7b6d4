; Markdown outline: sections by their heading line, nested as the headings are; setext headings
; (underlined with === or ---) are items of their own.

(section (atx_heading heading_content: (_) @name)) @section
(setext_heading heading_content: (_) @name) @section
