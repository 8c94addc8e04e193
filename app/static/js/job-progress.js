// Refresh the progress bars of unfinished jobs from their database rows every two seconds.
(function () {
  function pending() {
    return Array.prototype.filter.call(document.querySelectorAll(".progress[data-job-id]"), function (bar) {
      return Number(bar.getAttribute("aria-valuenow")) < 100;
    });
  }
  function refresh() {
    var bars = pending();
    if (!bars.length) { return; }
    var query = bars.map(function (bar) { return "id=" + bar.getAttribute("data-job-id"); }).join("&");
    fetch(window.location.pathname.replace(/\/$/, "") + "/progress/?" + query, {credentials: "same-origin"})
      .then(function (response) { return response.json(); })
      .then(function (jobs) {
        jobs.forEach(function (job) {
          var bar = document.querySelector('.progress[data-job-id="' + job.id + '"]');
          if (!bar) { return; }
          bar.setAttribute("aria-valuenow", job.progress);
          var inner = bar.querySelector(".progress-bar");
          inner.style.width = job.progress + "%";
          inner.textContent = job.progress + "%";
          if (job.status === "failed") { inner.classList.add("bg-danger"); }
          if (job.status === "finished") { inner.classList.add("bg-success"); }
        });
        setTimeout(refresh, 2000);
      });
  }
  setTimeout(refresh, 2000);
})();
