// The dashboard: every pane of the page can be collapsed to its title, and the choice is
// remembered in this browser (localStorage), so a laptop screen shows the panes a person uses.

const STORAGE_KEY = "spikeglyph.panes";

function load() {
  try {
    return JSON.parse(localStorage.getItem(STORAGE_KEY) || "{}") || {};
  } catch {
    return {}; // storage disabled or garbled: start with every pane open
  }
}

function save(state) {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(state));
  } catch {
    // Private mode or a full quota: the layout simply is not remembered.
  }
}

function paneKey(card) {
  return card.id || card.getAttribute("aria-labelledby") || "";
}

function setCollapsed(card, button, collapsed) {
  card.dataset.collapsed = String(collapsed);
  button.setAttribute("aria-expanded", String(!collapsed));
  const title = card.querySelector("h2")?.textContent.trim() || "pane";
  button.setAttribute("aria-label", `${collapsed ? "Expand" : "Collapse"} ${title}`);
  button.textContent = collapsed ? "+" : "–";
}

/**
 * Adds a collapse button to the title of every pane of `main`; `onExpand(key)` runs when a pane
 * is opened (a pane that was drawn while hidden redraws at its real size).
 */
export function bindDashboard(main, { onExpand } = {}) {
  const state = load();
  for (const card of main.querySelectorAll(":scope > section.card")) {
    const key = paneKey(card);
    const heading = card.querySelector("h2");
    if (!key || !heading) continue;
    // The card's child that holds the title stays visible when the pane is collapsed (the
    // title itself, or a header row around it).
    let head = heading;
    while (head.parentElement !== card) head = head.parentElement;
    head.classList.add("pane-head");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "pane-toggle";
    heading.append(button);
    setCollapsed(card, button, state[key] === true);
    button.addEventListener("click", () => {
      const collapsed = card.dataset.collapsed !== "true";
      setCollapsed(card, button, collapsed);
      const next = load();
      next[key] = collapsed;
      save(next);
      if (!collapsed) onExpand?.(key);
    });
  }
}
