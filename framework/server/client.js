// gox client: submits server-action forms in the background and swaps in
// the page the action answers with, keeping scroll and focus where they
// can be kept. Without JavaScript the same forms post and redirect.
(() => {
  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "post") return;
    const url = new URL(form.action, location.href);
    if (url.origin !== location.origin || !url.search.startsWith("?/")) return;
    event.preventDefault();
    const submitter = event.submitter;
    if (submitter) submitter.disabled = true;
    try {
      const res = await fetch(url, { method: "POST", body: new FormData(form, submitter), credentials: "same-origin" });
      const html = await res.text();
      const doc = new DOMParser().parseFromString(html, "text/html");
      if (res.redirected && res.url !== location.href) history.pushState({}, "", res.url);
      document.title = doc.title;
      document.body.replaceWith(doc.body);
      document.dispatchEvent(new CustomEvent("gox:swap", { detail: { status: res.status } }));
    } catch (err) {
      form.submit();
    } finally {
      if (submitter) submitter.disabled = false;
    }
  });
})();
