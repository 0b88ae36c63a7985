// The page editor: buttons wrapped in [data-confirm] ask before they submit (publishing
// someone else's article that has not been through 三审). Caught on the way down, before
// Wagtail's own click handlers start the spinner.
document.addEventListener("click", (event) => {
  const wrapper = event.target.closest("[data-confirm]");
  if (wrapper && event.target.closest("button") && !window.confirm(wrapper.dataset.confirm)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);
