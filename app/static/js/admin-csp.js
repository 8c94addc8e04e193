// Behaviour Flask-Admin wires with inline handlers, which our Content-Security-Policy blocks.
document.addEventListener("click", function (event) {
  var action = event.target.closest("[data-model-action]");
  if (action && window.modelActions) {
    event.preventDefault();
    window.modelActions.execute(action.getAttribute("data-model-action"));
  }
});
document.addEventListener("submit", function (event) {
  var button = event.submitter || event.target.querySelector("[data-confirm]");
  var message = button && button.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
}, true);
// Stock links with href="javascript:void(0)" (menu toggles, filter names, the "List" tab) would be
// javascript: navigations, which the policy also blocks: keep them as plain click targets. Capture
// phase, because the multi-level dropdown hack stops the click from bubbling up to the document.
document.addEventListener("click", function (event) {
  if (event.target.closest('a[href^="javascript:"]')) {
    event.preventDefault();
  }
}, true);
// select2 3.5 gives its search box role="combobox" with aria-owns only; ARIA 1.2 wants aria-controls.
document.addEventListener("focusin", function (event) {
  var box = event.target;
  if (box.matches && box.matches("input.select2-input[aria-owns]:not([aria-controls])")) {
    box.setAttribute("aria-controls", box.getAttribute("aria-owns"));
  }
});
// ... and writes its messages ("searching", "no matches") as bare <li> inside that listbox: make them
// disabled options so the listbox only holds options.
new MutationObserver(function () {
  document.querySelectorAll("ul.select2-results > li:not([role]):not(.select2-result)").forEach(function (item) {
    item.setAttribute("role", "option");
    item.setAttribute("aria-disabled", "true");
  });
}).observe(document.documentElement, {childList: true, subtree: true});
