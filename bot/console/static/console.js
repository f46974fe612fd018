// The console's progressive enhancement: every page works without it.
// 1. Progress tables (data-refresh) are fetched again every few seconds and replaced in place.
// 2. A moment (data-moment) is also shown in the viewer's own time zone.
"use strict";

function showViewerTimes() {
  for (const element of document.querySelectorAll("[data-moment]")) {
    const moment = new Date(element.dataset.moment);
    if (Number.isNaN(moment.getTime())) continue;
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const label = element.dataset.label || "your time ({zone}): {moment}";
    const shown = moment.toLocaleString(element.dataset.language || undefined);
    element.textContent = "— " + label.replace("{zone}", zone).replace("{moment}", shown);
  }
}

async function refresh(table) {
  try {
    const response = await fetch(table.dataset.refresh, {
      credentials: "same-origin", headers: { "Accept": "text/html" }, redirect: "error"
    });
    if (!response.ok) return;
    const caption = table.querySelector("caption");
    const template = document.createElement("template");
    template.innerHTML = await response.text();
    table.replaceChildren(...(caption ? [caption] : []), template.content);
  } catch (error) {
    // Signed out or offline: the page keeps what it shows.
  }
}

document.addEventListener("DOMContentLoaded", () => {
  showViewerTimes();
  const tables = document.querySelectorAll("table[data-refresh]");
  if (tables.length) {
    window.setInterval(() => tables.forEach(refresh), 3000);
  }
});
