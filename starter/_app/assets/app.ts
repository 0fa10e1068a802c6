// Bundled by gox with esbuild: TypeScript works out of the box.
const greeting: string = "gox app loaded";
console.debug(greeting);
