// Energy of the inference next to the equally sized non-spiking network's, with the caveat the
// op-counting literature carries: memory access is not included, and that favours the SNN.

const $ = (id) => document.getElementById(id);

function formatEnergy(nj) {
  if (!Number.isFinite(nj)) return "–";
  if (nj >= 1000) return `${(nj / 1000).toFixed(2)} µJ`;
  if (nj >= 1) return `${nj.toFixed(1)} nJ`;
  return `${(nj * 1000).toFixed(0)} pJ`;
}

function formatCount(n) {
  if (!Number.isFinite(n)) return "–";
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return n.toFixed(0);
}

function bar(kind, name, nj, max) {
  const row = document.createElement("div");
  row.className = `energy-row ${kind}`;
  const label = document.createElement("span");
  label.textContent = name;
  const track = document.createElement("div");
  track.className = "track";
  const fill = document.createElement("div");
  fill.className = "fill";
  fill.style.width = `${max > 0 && Number.isFinite(nj) ? Math.max(2, (nj / max) * 100) : 2}%`;
  fill.textContent = formatEnergy(nj);
  track.append(fill);
  row.append(label, track);
  return row;
}

/** Shows the energy block of a prediction. */
export function renderEnergy(energy) {
  if (!energy) return;
  const max = Math.max(energy.snn_nj, energy.ann_nj);
  const ratio = document.createElement("p");
  ratio.className = "energy-ratio";
  ratio.id = "energy-ratio";
  if (Number.isFinite(energy.ratio) && energy.ratio >= 1) {
    ratio.textContent = `≈ ${energy.ratio.toFixed(energy.ratio >= 10 ? 0 : 1)}× less energy than a non-spiking network`;
  } else if (Number.isFinite(energy.ratio) && energy.ratio > 0) {
    ratio.textContent = `≈ ${(1 / energy.ratio).toFixed(1)}× more energy than a non-spiking network`;
  } else {
    ratio.textContent = "No synaptic operations were needed";
  }
  const ops = document.createElement("p");
  ops.className = "energy-ops";
  ops.textContent =
    `Spiking: ${formatCount(energy.sops)} synaptic ops (${energy.e_ac_pj ?? 0.9} pJ each)` +
    `${energy.macs ? ` + ${formatCount(energy.macs)} MACs` : ""} · ` +
    `non-spiking: ${formatCount(energy.ann_macs)} MACs (${energy.e_mac_pj ?? 4.6} pJ each)`;
  document.getElementById("energy-bars").replaceChildren(
    ratio,
    bar("snn", "Spiking (this)", energy.snn_nj, max),
    bar("ann", "Non-spiking", energy.ann_nj, max),
    ops,
  );
  const note =
    energy.note ||
    "45 nm operation count (Horowitz, ISSCC 2014) without memory access, which dominates real " +
      "chips: that favours the spiking network, which reads weights and updates every membrane " +
      "at each time step.";
  $("energy-note").textContent = /memory/i.test(note) ? note : `${note} Memory access is not included.`;
}
