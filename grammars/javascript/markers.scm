; JavaScript / TypeScript comments (JSX `{/* ... */}` comments included).

(comment) @comment
