; Markdown scopes: the section (an ATX heading and what follows, up to the next heading of the
; same or a higher level). Setext headings do not open sections in this grammar.

(section (atx_heading heading_content: (_) @name)) @section
