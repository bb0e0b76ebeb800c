// The election page's background jobs: poll each unfinished job's staff-only JSON view and
// move its progress bar, until it is done or failed.
(function () {
  "use strict";
  var POLL_MS = 700;

  function outcome(job) {
    if (job.state === "failed") {
      var note = document.createElement("span");
      note.className = "errornote";
      note.textContent = job.error || "failed";
      return note;
    }
    if (job.state !== "done") return null;
    var text = "done";
    var result = job.result || {};
    if (result.added !== undefined) {
      text += ": " + result.added + " voters added, " + result.already_on_roll +
        " already on the roll, " + result.users_created + " accounts created";
    } else if (result.ballots !== undefined && result.ballots !== null) {
      text += ": " + result.ballots + " ballots aggregated; " + (result.next || "");
    } else if (result.election_state) {
      text += ": the election is " + result.election_state;
    }
    return document.createTextNode(text);
  }

  function show(row, job) {
    row.dataset.state = job.state;
    row.querySelector(".job-state").textContent = job.state;
    row.querySelector(".job-step").textContent = job.step || "waiting for the worker";
    // A step whose size is not known yet (total 0) shows an indeterminate bar and no count.
    var bar = row.querySelector(".job-progress");
    var count = row.querySelector(".job-count");
    if (job.total > 0) {
      bar.max = job.total;
      bar.value = Math.min(job.done, job.total);
      count.textContent = job.done + " / " + job.total;
    } else {
      bar.removeAttribute("value");
      count.textContent = "";
    }
    var cell = row.querySelector(".job-outcome");
    var content = outcome(job);
    cell.textContent = "";
    if (content) cell.appendChild(content);
  }

  function poll(row) {
    fetch(row.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (job) {
        show(row, job);
        if (job.state === "queued" || job.state === "running") setTimeout(function () { poll(row); }, POLL_MS);
      })
      .catch(function () { setTimeout(function () { poll(row); }, POLL_MS * 4); });
  }

  document.querySelectorAll("#jobs tr.job").forEach(function (row) {
    if (row.dataset.state === "queued" || row.dataset.state === "running") poll(row);
  });
})();
