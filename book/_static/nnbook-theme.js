// What the site used of Bootstrap's script (pydata-sphinx-theme's 80 kB
// bootstrap.js, 150 ms of a slow phone's time on every page): the header
// buttons' tooltips, now the browser's own (their title), and the "Back to
// top" button, shown while the reader scrolls up. It replaces that script
// (_ext/site_speed.py), and like it runs before pydata-sphinx-theme.js, which
// may ask for a Bootstrap tooltip. Also: the sidebar buttons (below).
(() => {
  window.bootstrap = {
    Tooltip: class {
      constructor(element, options) {
        if (options && options.title && !element.title) element.title = options.title;
      }
      show() {}
      hide() {}
    },
  };
  function ready(callback) {
    if (document.readyState !== "loading") callback();
    else document.addEventListener("DOMContentLoaded", callback);
  }
  ready(() => {
    for (const button of document.querySelectorAll("[data-bs-toggle='tooltip'][data-bs-title]")) {
      if (!button.title) button.title = button.dataset.bsTitle;
    }
    // The sidebar buttons the reader sees are the article header's. The
    // themes' scripts wire only the first button of each kind on the page,
    // the hidden header bar's (nnbook.css): a click on a visible one is
    // passed to it, which opens the sidebar (a phone) or hides it (a desktop).
    for (const kind of ["primary", "secondary"]) {
      const [wired, ...others] = document.querySelectorAll(`.${kind}-toggle`);
      for (const button of others) {
        button.addEventListener("click", (event) => {
          event.preventDefault();
          wired.click();
        });
      }
    }
    const back = document.getElementById("pst-back-to-top");
    const header = document.querySelector(".bd-header");
    if (!back || !header) return;
    back.addEventListener("click", () => {
      document.body.scrollTop = 0;
      document.documentElement.scrollTop = 0;
    });
    // Nothing here reads the layout before the reader scrolls: a read would
    // force the page's whole first layout inside this script.
    let last = 0;
    window.addEventListener(
      "scroll",
      () => {
        const up = window.scrollY < last && window.scrollY > header.offsetHeight;
        back.style.display = up ? "block" : "none";
        last = window.scrollY;
      },
      { passive: true },
    );
  });
})();
