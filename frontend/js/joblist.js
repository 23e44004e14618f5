// Recent jobs, newest first: a job started in another tab (or before a reload) can be followed
// again from here, and finished ones show how they ended.

import { listJobs } from "./api.js";
import { reportError } from "./messages.js";

const SHOWN = 6;
const ACTIVE = new Set(["queued", "running"]);

function summary(job) {
  const p = job.progress || {};
  if (job.state === "succeeded" && job.result) {
    if (job.result.version) return `published ${job.result.version}`;
    if (typeof job.result.accuracy === "number") return `accuracy ${(job.result.accuracy * 100).toFixed(2)} %`;
  }
  if (job.state === "failed") return job.error || "failed";
  if (p.epochs) return `${p.phase} · epoch ${p.epoch ?? 0}/${p.epochs}`;
  return p.phase || "";
}

export class JobHistory {
  /** @param {(jobId: string, kind: string) => void} onFollow shows a job in the job panel */
  constructor(list, onFollow) {
    this.list = list;
    this.onFollow = onFollow;
  }

  /** Reloads the list; returns the newest job still queued or running, if any. */
  async refresh() {
    let jobs;
    try {
      const answer = await listJobs();
      jobs = Array.isArray(answer) ? answer : answer?.jobs || [];
    } catch (err) {
      reportError(err, "Could not list the jobs");
      return null;
    }
    // Newest first: by creation time when the server gives it, else by its (oldest-first) order.
    const ordered = jobs.some((j) => j.created_at)
      ? [...jobs].sort((a, b) => String(b.created_at ?? "").localeCompare(String(a.created_at ?? "")))
      : [...jobs].reverse();
    this.#render(ordered.slice(0, SHOWN));
    return ordered.find((j) => ACTIVE.has(j.state)) || null;
  }

  #render(jobs) {
    if (!jobs.length) {
      const empty = document.createElement("li");
      empty.className = "empty";
      empty.textContent = "No jobs yet.";
      this.list.replaceChildren(empty);
      return;
    }
    this.list.replaceChildren(...jobs.map((job) => {
      const item = document.createElement("li");
      item.dataset.jobId = job.job_id;
      const kind = document.createElement("strong");
      kind.textContent = job.kind;
      const id = document.createElement("span");
      id.className = "job-id";
      id.textContent = job.job_id;
      const state = document.createElement("span");
      state.className = `pill ${job.state}`;
      state.textContent = job.state;
      const detail = document.createElement("span");
      detail.className = "grow";
      detail.textContent = summary(job);
      item.append(kind, id, state, detail);
      if (ACTIVE.has(job.state)) {
        const follow = document.createElement("button");
        follow.type = "button";
        follow.textContent = "Follow";
        follow.setAttribute("aria-label", `Follow ${job.kind} job ${job.job_id}`);
        follow.addEventListener("click", () => this.onFollow(job.job_id, job.kind));
        item.append(follow);
      }
      return item;
    }));
  }
}
