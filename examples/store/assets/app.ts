// The store's script, bundled by gox with esbuild.
//
// A quantity stepper: "−" and "+" buttons beside each quantity input. The
// page renders them hidden, so that without JavaScript only the input
// shows; the script shows them and makes them work.
//
// gox's client script submits forms in the background and replaces the
// page's <body> with the answer, so elements found once at load are gone
// after a submit. Two rules keep a widget alive:
//   1. listen on document (clicks bubble up to it, and it is never
//      replaced), not on the buttons themselves;
//   2. redo per-element set-up on the gox:swap event, which fires after
//      each swap, as well as at load.

function setUp(root: ParentNode): void {
  for (const b of root.querySelectorAll<HTMLButtonElement>("button[data-step]")) {
    b.hidden = false;
  }
}

document.addEventListener("click", (event) => {
  const button = (event.target as Element | null)?.closest<HTMLButtonElement>("button[data-step]");
  if (!button) return;
  event.preventDefault(); // a stepper button never submits its form
  const input = button.parentElement?.querySelector<HTMLInputElement>('input[type="number"]');
  if (!input) return;
  if (button.dataset.step === "up") input.stepUp();
  else input.stepDown();
});

setUp(document);
document.addEventListener("gox:swap", () => setUp(document));
