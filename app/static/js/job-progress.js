// Refresh the progress bars of unfinished jobs from their database rows every two seconds.
// Each bar carries its job id, status and the JSON endpoint to ask (list and details pages alike).
(function () {
  var FINAL = ["finished", "failed"];
  var COLOURS = {failed: "bg-danger", finished: "bg-success", retrying: "bg-warning"};

  function pending() {
    return Array.prototype.filter.call(document.querySelectorAll(".progress[data-job-id]"), function (bar) {
      return FINAL.indexOf(bar.getAttribute("data-status")) < 0;
    });
  }
  function show(bar, job) {
    var inner = bar.querySelector(".progress-bar");
    bar.setAttribute("data-status", job.status);
    bar.setAttribute("aria-valuenow", job.progress);
    inner.style.width = job.progress + "%";
    inner.textContent = job.progress + "%";
    inner.classList.remove("bg-danger", "bg-success", "bg-warning");
    if (COLOURS[job.status]) { inner.classList.add(COLOURS[job.status]); }
  }
  function refresh() {
    var bars = pending();
    if (!bars.length) { return; }
    var query = bars.map(function (bar) { return "id=" + encodeURIComponent(bar.getAttribute("data-job-id")); });
    fetch(bars[0].getAttribute("data-progress-url") + "?" + query.join("&"), {credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok) { throw new Error("job progress: HTTP " + response.status); }
        return response.json();
      })
      .then(function (jobs) {
        jobs.forEach(function (job) {
          var bar = document.querySelector('.progress[data-job-id="' + job.id + '"]');
          if (bar) { show(bar, job); }
        });
        setTimeout(refresh, 2000);
      })
      .catch(function () { setTimeout(refresh, 10000); });  // signed out or offline: try again later
  }
  setTimeout(refresh, 2000);
})();
