// The three ways to hand the page an image: the file picker, drag and drop onto the pad, and
// pasting (Ctrl/Cmd+V anywhere outside a text field). Each calls `onImage(file)`.

import { showError } from "./messages.js";

function firstImage(items) {
  for (const item of items) {
    const file = item instanceof File ? item : item.kind === "file" ? item.getAsFile() : null;
    if (file) return file;
  }
  return null;
}

/**
 * Wires the picker, the drop zone and paste.
 * Non-image files are still sent when the browser cannot tell their type, so the server is the
 * judge; files that are plainly something else are refused here with a clear message.
 */
export function bindUpload({ input, dropZone, onImage }) {
  const accept = (file) => {
    if (!file) {
      showError("Nothing to upload: drop or paste an image file.");
      return;
    }
    if (file.type && !file.type.startsWith("image/")) {
      showError(`“${file.name}” is not an image (${file.type}). Use a PNG, JPEG, WebP, GIF or BMP file.`);
      return;
    }
    onImage(file);
  };

  input.addEventListener("change", () => {
    const file = input.files && input.files[0];
    input.value = ""; // choosing the same file again must trigger another upload
    if (file) accept(file);
  });

  let depth = 0; // dragenter/leave fire for children too: count to know when we truly left
  dropZone.addEventListener("dragenter", (event) => {
    event.preventDefault();
    depth += 1;
    dropZone.classList.add("dragging");
  });
  dropZone.addEventListener("dragover", (event) => {
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
  });
  dropZone.addEventListener("dragleave", () => {
    depth = Math.max(0, depth - 1);
    if (!depth) dropZone.classList.remove("dragging");
  });
  dropZone.addEventListener("drop", (event) => {
    event.preventDefault();
    depth = 0;
    dropZone.classList.remove("dragging");
    accept(firstImage(event.dataTransfer.files));
  });

  document.addEventListener("paste", (event) => {
    const target = event.target;
    if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement) return;
    const file = firstImage(event.clipboardData ? event.clipboardData.items : []);
    if (file) {
      event.preventDefault();
      accept(file);
    }
  });
}
