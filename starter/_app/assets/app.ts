// Bundled by gox with esbuild: TypeScript works out of the box.
const greeting: string = "gox app loaded";
console.debug(greeting);

// With gox.ClientScript() in the layout, forms posted to actions are
// submitted in the background and the page's <body> is replaced: listen on
// document rather than on elements, and redo per-element set-up on the
// "gox:swap" event, which fires after each swap (docs/assets.md, "Widgets
// that survive a background submit").
