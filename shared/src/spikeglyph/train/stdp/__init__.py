"""Unsupervised spike-timing-dependent plasticity (Diehl & Cook 2015), the ``stdp`` family.

* :mod:`.spec` — the JSON-able description of a network and its learning rule;
* :mod:`.kernels` — pure ``step(input, state, params) -> (out, new_state)`` dynamics:
  Poisson encoding, adaptive-threshold LIF with lateral inhibition, traces, pair and triplet
  STDP, weight normalisation;
* :mod:`.network` — the thin ``nn.Module`` owning weights, thresholds and neuron labels;
* :mod:`.labels` — label assignment from training responses and the class vote;
* :mod:`.learning` — the batched training loop;
* :mod:`.growth` — error-driven growth: recruit neurons where a class is often wrong, prune
  those that never win; :mod:`.growing` — the resumable run that grows (``growth="errors"``);
* :mod:`.export` / :mod:`.modelio` — ONNX graph, parity check and model directory;
* :mod:`.api` — :func:`~spikeglyph.train.stdp.api.train_stdp`, the whole job.
"""
