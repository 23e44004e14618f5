// The API key lives only in this tab's sessionStorage: it survives a reload but not closing the
// tab, and it is never written to localStorage, a cookie or the URL.

const STORAGE_KEY = "spikeglyph.apiKey";

function storage() {
  try {
    return window.sessionStorage;
  } catch {
    return null; // storage disabled: the key then lives only in the field
  }
}

/** Binds the key field and returns a getter for the current key. */
export function bindApiKey(input, forgetButton) {
  const store = storage();
  input.value = store?.getItem(STORAGE_KEY) ?? "";
  input.addEventListener("input", () => {
    const key = input.value.trim();
    if (key) store?.setItem(STORAGE_KEY, key);
    else store?.removeItem(STORAGE_KEY);
  });
  forgetButton.addEventListener("click", () => {
    input.value = "";
    store?.removeItem(STORAGE_KEY);
    input.focus();
  });
  return () => input.value.trim();
}
