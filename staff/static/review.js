// The retrain page follows its job: every 2 s while it runs, the state and
// the progress lines are updated in place (a polite live region); when it is
// done the page is loaded again to show the comparison. Without JavaScript a
// "Refresh" link does the same.
(function () {
  "use strict";
  var box = document.getElementById("review-job");
  if (!box) { return; }
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var running = ["running", "going-live"];
  if (running.indexOf(box.dataset.state) < 0) { return; }

  function show(job) {
    var state = document.getElementById("job-state");
    state.textContent = "";
    state.appendChild(document.createTextNode("State: "));
    var strong = document.createElement("strong");
    strong.textContent = job.state;
    state.appendChild(strong);
    state.appendChild(document.createTextNode(
      (job.seconds !== null ? ", " + job.seconds + " s since the start" : "") +
      (job.by ? ", started by " + job.by : "") + "."));
    var list = document.getElementById("job-lines");
    list.textContent = "";
    job.lines.forEach(function (line) {
      var item = document.createElement("li");
      item.textContent = line;
      list.appendChild(item);
    });
  }

  function poll() {
    fetch("/api/review/job", { headers: { "X-CSRF-Token": csrf }, credentials: "same-origin" })
      .then(function (answer) { return answer.json(); })
      .then(function (job) {
        show(job);
        if (running.indexOf(job.state) < 0) { window.location.reload(); return; }
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 2000);
}());
